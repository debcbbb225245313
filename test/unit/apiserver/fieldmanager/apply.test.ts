import assert from 'node:assert/strict';
import type { FieldConflict } from '../../../../apiserver/fieldmanager/index.js';
import type { KubeObject } from '../../../../api/kubernetes.js';
import { containers, deployment, owners, run, type Step } from './helpers.js';

function withRollingUpdate(o: KubeObject): KubeObject {
  (o.spec as { strategy: Record<string, unknown> }).strategy.rollingUpdate = { maxSurge: '25%' };
  return o;
}

const nginx = { name: 'nginx', image: 'nginx:1.25' };
const sidecar = { name: 'sidecar', image: 'envoy:1' };

interface Case {
  name: string;
  steps: Step[];
  conflicts?: FieldConflict[];
  spec?: unknown;
  owners?: Record<string, unknown>;
  check?: (obj: KubeObject) => void;
}

const cases: Case[] = [
  {
    name: 'create by apply records exactly the applied fields, items marked with "."',
    steps: [
      {
        manager: 'kubectl',
        apply: deployment({ replicas: 2, ...containers(nginx) }, { labels: { app: 'web' } }),
      },
    ],
    spec: { replicas: 2, ...containers(nginx) },
    owners: {
      'kubectl/Apply': {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:template': {
            'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      },
    },
  },
  {
    name: 'two appliers disagreeing on .spec.replicas conflict, naming the field and the owner',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 2 }) },
      { manager: 'b', apply: deployment({ replicas: 3 }) },
    ],
    conflicts: [{ manager: 'a', apiVersion: 'apps/v1', field: '.spec.replicas', operation: 'Apply' }],
    spec: { replicas: 2 },
  },
  {
    name: 'force takes the field: value and ownership move, the loser keeps the rest',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 2, paused: false }) },
      { manager: 'b', apply: deployment({ replicas: 3 }), force: true },
    ],
    spec: { replicas: 3, paused: false },
    owners: { 'a/Apply': { 'f:spec': { 'f:paused': {} } }, 'b/Apply': { 'f:spec': { 'f:replicas': {} } } },
  },
  {
    name: 'force that takes all of a manager’s fields drops its entry',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 2 }) },
      { manager: 'b', apply: deployment({ replicas: 3 }), force: true },
    ],
    owners: { 'b/Apply': { 'f:spec': { 'f:replicas': {} } } },
  },
  {
    name: 'a field dropped from the configuration is removed from the object',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 2, paused: true }) },
      { manager: 'a', apply: deployment({ replicas: 2 }) },
    ],
    spec: { replicas: 2 },
    owners: { 'a/Apply': { 'f:spec': { 'f:replicas': {} } } },
  },
  {
    name: 'a dropped field another applier still owns stays',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 2, paused: true }) },
      { manager: 'b', apply: deployment({ paused: true }) },
      { manager: 'a', apply: deployment({ replicas: 2 }) },
    ],
    spec: { replicas: 2, paused: true },
    owners: { 'a/Apply': { 'f:spec': { 'f:replicas': {} } }, 'b/Apply': { 'f:spec': { 'f:paused': {} } } },
  },
  {
    name: 'a dropped field an updater changed since stays (the updater owns it now)',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 2, paused: true }) },
      { manager: 'kubectl-edit', update: (o) => ({ ...o, spec: { ...(o.spec as object), paused: false } }) },
      { manager: 'a', apply: deployment({ replicas: 2 }) },
    ],
    spec: { replicas: 2, paused: false },
  },
  {
    name: 'dropping a whole map removes it, unowned defaults beneath included',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 1, strategy: { type: 'RollingUpdate' } }) },
      { untracked: (o) => withRollingUpdate(o) },
      { manager: 'a', apply: deployment({ replicas: 1 }) },
    ],
    spec: { replicas: 1 },
  },
  {
    name: 'dropping a map keeps what an updater owns beneath it, and only that',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 1, strategy: { type: 'RollingUpdate' } }) },
      { manager: 'kubectl-edit', update: (o) => withRollingUpdate(o) },
      { manager: 'a', apply: deployment({ replicas: 1 }) },
    ],
    spec: { replicas: 1, strategy: { rollingUpdate: { maxSurge: '25%' } } },
  },
  {
    name: 'the same value from two appliers is shared: no conflict, both own it',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 2 }) },
      { manager: 'b', apply: deployment({ replicas: 2 }) },
    ],
    spec: { replicas: 2 },
    owners: { 'a/Apply': { 'f:spec': { 'f:replicas': {} } }, 'b/Apply': { 'f:spec': { 'f:replicas': {} } } },
  },
  {
    name: 'a shared field one applier drops stays, owned by the other',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 2, paused: true }) },
      { manager: 'b', apply: deployment({ replicas: 2 }) },
      { manager: 'a', apply: deployment({ paused: true }) },
    ],
    spec: { replicas: 2, paused: true },
  },
  {
    name: 'a changed shared field conflicts with the co-owner',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 2 }) },
      { manager: 'b', apply: deployment({ replicas: 2 }) },
      { manager: 'a', apply: deployment({ replicas: 4 }) },
    ],
    conflicts: [{ manager: 'b', apiVersion: 'apps/v1', field: '.spec.replicas', operation: 'Apply' }],
  },
  {
    name: 'map-list items merge by key: two appliers own one container each',
    steps: [
      { manager: 'a', apply: deployment(containers(nginx)) },
      { manager: 'b', apply: deployment(containers(sidecar)) },
    ],
    spec: containers(nginx, sidecar),
    owners: {
      'a/Apply': {
        'f:spec': {
          'f:template': {
            'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      },
      'b/Apply': {
        'f:spec': {
          'f:template': {
            'f:spec': {
              'f:containers': { 'k:{"name":"sidecar"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
            },
          },
        },
      },
    },
  },
  {
    name: 'an applier dropping its container leaves the other’s alone',
    steps: [
      { manager: 'a', apply: deployment(containers(nginx)) },
      { manager: 'b', apply: deployment(containers(sidecar)) },
      { manager: 'b', apply: deployment({}) },
    ],
    spec: containers(nginx),
  },
  {
    name: 'changing a field of another applier’s item conflicts with the item path',
    steps: [
      { manager: 'a', apply: deployment(containers(nginx)) },
      { manager: 'b', apply: deployment(containers({ name: 'nginx', image: 'nginx:1.26' })) },
    ],
    conflicts: [
      {
        manager: 'a',
        apiVersion: 'apps/v1',
        field: '.spec.template.spec.containers[name="nginx"].image',
        operation: 'Apply',
      },
    ],
  },
  {
    name: 'adding a field to another applier’s item is no conflict; the item is shared',
    steps: [
      { manager: 'a', apply: deployment(containers(nginx)) },
      { manager: 'b', apply: deployment(containers({ name: 'nginx', args: ['-v'] })) },
    ],
    spec: containers({ ...nginx, args: ['-v'] }),
  },
  {
    name: 'multi-key items are named by every key, sorted',
    steps: [
      {
        manager: 'a',
        apply: deployment(containers({ name: 'nginx', ports: [{ protocol: 'TCP', containerPort: 80 }] })),
      },
    ],
    owners: {
      'a/Apply': {
        'f:spec': {
          'f:template': {
            'f:spec': {
              'f:containers': {
                'k:{"name":"nginx"}': {
                  '.': {},
                  'f:name': {},
                  'f:ports': {
                    'k:{"containerPort":80,"protocol":"TCP"}': {
                      '.': {},
                      'f:containerPort': {},
                      'f:protocol': {},
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  {
    name: 'atomic lists are replaced whole and owned as one field',
    steps: [
      { manager: 'a', apply: deployment(containers({ name: 'nginx', args: ['a', 'b'] })) },
      { manager: 'a', apply: deployment(containers({ name: 'nginx', args: ['c'] })) },
    ],
    spec: containers({ name: 'nginx', args: ['c'] }),
    owners: {
      'a/Apply': {
        'f:spec': {
          'f:template': {
            'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:args': {}, 'f:name': {} } } },
          },
        },
      },
    },
  },
  {
    name: 'set lists merge by value and own items as v:',
    steps: [
      { manager: 'a', apply: deployment({}, { finalizers: ['x.io/a'] }) },
      { manager: 'b', apply: deployment({}, { finalizers: ['x.io/b'] }) },
    ],
    check: (o) => assert.deepEqual(o.metadata.finalizers, ['x.io/a', 'x.io/b']),
    owners: {
      // An empty map applied is owned as a whole: `spec: {}` becomes f:spec.
      'a/Apply': { 'f:metadata': { 'f:finalizers': { 'v:"x.io/a"': {} } }, 'f:spec': {} },
      'b/Apply': { 'f:metadata': { 'f:finalizers': { 'v:"x.io/b"': {} } }, 'f:spec': {} },
    },
  },
  {
    name: 'an updater’s field (client-side apply) conflicts with an applier that changes it',
    steps: [
      { manager: 'kubectl-client-side-apply', update: deployment({ replicas: 1, paused: false }) },
      { manager: 'kubectl', apply: deployment({ replicas: 3 }) },
    ],
    conflicts: [
      {
        manager: 'kubectl-client-side-apply',
        apiVersion: 'apps/v1',
        field: '.spec.replicas',
        operation: 'Update',
      },
    ],
  },
  {
    name: 'an applier agreeing with an updater shares the field; forcing takes it',
    steps: [
      { manager: 'kubectl-client-side-apply', update: deployment({ replicas: 1, paused: false }) },
      { manager: 'kubectl', apply: deployment({ paused: false }) },
      { manager: 'kubectl', apply: deployment({ paused: false, replicas: 5 }), force: true },
    ],
    spec: { replicas: 5, paused: false },
    owners: {
      'kubectl/Apply': { 'f:spec': { 'f:paused': {}, 'f:replicas': {} } },
      'kubectl-client-side-apply/Update': { 'f:spec': { '.': {}, 'f:paused': {} } },
    },
  },
  {
    name: 'an updater changing an applied field takes it, so the applier then conflicts',
    steps: [
      { manager: 'kubectl', apply: deployment({ replicas: 2 }) },
      { manager: 'hpa', update: (o) => ({ ...o, spec: { replicas: 7 } }) },
      { manager: 'kubectl', apply: deployment({ replicas: 2 }) },
    ],
    conflicts: [{ manager: 'hpa', apiVersion: 'apps/v1', field: '.spec.replicas', operation: 'Update' }],
  },
];

describe('fieldmanager: applyServerSide', () => {
  for (const c of cases) {
    it(c.name, () => {
      const out = run(c.steps);
      assert.deepEqual(out.conflicts, c.conflicts);
      if (c.spec !== undefined) assert.deepEqual(out.object.spec, c.spec);
      if (c.owners) assert.deepEqual(owners(out.object), c.owners);
      c.check?.(out.object);
    });
  }
});
