import assert from 'node:assert/strict';
import { trackUpdate } from '../../../../apiserver/fieldmanager/index.js';
import type { KubeObject } from '../../../../api/kubernetes.js';
import { containers, deployment, entries, listType, owners, run, type Step } from './helpers.js';

const withSpec =
  (patch: Record<string, unknown>) =>
  (o: KubeObject): KubeObject => ({ ...o, spec: { ...(o.spec as object), ...patch } });

interface Case {
  name: string;
  steps: Step[];
  owners: Record<string, unknown>;
}

const cases: Case[] = [
  {
    name: 'create: the creator owns every field it set; added maps and items carry "."',
    steps: [
      {
        manager: 'kubectl-create',
        update: deployment(
          { replicas: 1, ...containers({ name: 'nginx', image: 'nginx' }) },
          { labels: { app: 'web' } },
        ),
      },
    ],
    owners: {
      'kubectl-create/Update': {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          '.': {},
          'f:replicas': {},
          'f:template': {
            '.': {},
            'f:spec': {
              '.': {},
              'f:containers': { '.': {}, 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
            },
          },
        },
      },
    },
  },
  {
    name: 'a changed field moves to the updater; unchanged ones stay put',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 1, paused: false }) },
      { manager: 'hpa', update: withSpec({ replicas: 4 }) },
    ],
    owners: { 'a/Apply': { 'f:spec': { 'f:paused': {} } }, 'hpa/Update': { 'f:spec': { 'f:replicas': {} } } },
  },
  {
    name: 'a removed field leaves every set; emptied entries go',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 1 }) },
      { manager: 'b', apply: deployment({ replicas: 1, paused: true }) },
      {
        manager: 'editor',
        update: (o) => ({ ...o, spec: { paused: true } }),
      },
    ],
    owners: { 'b/Apply': { 'f:spec': { 'f:paused': {} } } },
  },
  {
    name: 'an updater accumulates fields across writes in one entry',
    steps: [
      { manager: 'editor', update: deployment({ replicas: 1 }) },
      { manager: 'editor', update: withSpec({ paused: true }) },
    ],
    owners: { 'editor/Update': { 'f:spec': { '.': {}, 'f:paused': {}, 'f:replicas': {} } } },
  },
  {
    name: 'a write that changes nothing records nothing',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 1 }) },
      { manager: 'noop', update: (o) => o },
    ],
    owners: { 'a/Apply': { 'f:spec': { 'f:replicas': {} } } },
  },
  {
    name: 'server-owned metadata is never recorded',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 1 }) },
      {
        manager: 'registry',
        update: (o) => ({
          ...o,
          metadata: { ...o.metadata, uid: 'u1', resourceVersion: '7', generation: 2 },
        }),
      },
    ],
    owners: { 'a/Apply': { 'f:spec': { 'f:replicas': {} } } },
  },
  {
    name: 'subresource writes get their own entry',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 1 }) },
      { manager: 'ctrl', subresource: 'status', update: (o) => ({ ...o, status: { readyReplicas: 1 } }) },
    ],
    owners: {
      'a/Apply': { 'f:spec': { 'f:replicas': {} } },
      'ctrl/Update': { 'f:status': { '.': {}, 'f:readyReplicas': {} } },
    },
  },
  {
    name: 'managedFields: [{}] in the request clears them',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 1 }) },
      {
        manager: 'editor',
        update: (o) => ({ ...o, metadata: { ...o.metadata, managedFields: [{}] as never } }),
      },
    ],
    owners: {},
  },
  {
    name: 'a request without managedFields keeps the live ones',
    steps: [
      { manager: 'a', apply: deployment({ replicas: 1 }) },
      { manager: 'editor', update: (o) => ({ ...o, metadata: { name: 'web', namespace: 'default' } }) },
    ],
    owners: { 'a/Apply': { 'f:spec': { 'f:replicas': {} } } },
  },
];

describe('fieldmanager: trackUpdate', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(owners(run(c.steps).object), c.owners);
    });
  }

  it('stamps time, apiVersion, fieldsType and subresource; orders Apply before Update, then by time', () => {
    const { object } = run([
      { manager: 'z-updater', update: deployment({ replicas: 1 }), now: '2024-01-01T00:00:00Z' },
      { manager: 'b', apply: deployment({ paused: true }), now: '2024-01-03T00:00:00Z' },
      { manager: 'a', apply: deployment({ minReadySeconds: 5 }), now: '2024-01-02T00:00:00Z' },
      {
        manager: 'ctrl',
        subresource: 'status',
        update: (o) => ({ ...o, status: { replicas: 1 } }),
        now: '2023-12-31T00:00:00Z',
      },
    ]);
    assert.deepEqual(entries(object), [
      {
        manager: 'a',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2024-01-02T00:00:00Z',
        fieldsType: 'FieldsV1',
      },
      {
        manager: 'b',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2024-01-03T00:00:00Z',
        fieldsType: 'FieldsV1',
      },
      {
        manager: 'ctrl',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2023-12-31T00:00:00Z',
        fieldsType: 'FieldsV1',
        subresource: 'status',
      },
      {
        manager: 'z-updater',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2024-01-01T00:00:00Z',
        fieldsType: 'FieldsV1',
      },
    ]);
  });

  it('returns a new object and leaves its inputs alone', () => {
    const live = deployment({ replicas: 1 });
    const updated = deployment({ replicas: 2 });
    const before = structuredClone([live, updated]);
    const out = trackUpdate(live, updated, { manager: 'm', apiVersion: 'apps/v1', now: 't', listType });
    assert.deepEqual([live, updated], before);
    assert.notEqual(out, updated);
  });

  it('drops managedFields rather than record wrong ones when an object cannot be typed', () => {
    const bad = deployment(containers({ image: 'no-name' }), {
      managedFields: [
        { manager: 'x', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: {} },
      ],
    });
    const out = trackUpdate(undefined, bad, { manager: 'm', apiVersion: 'apps/v1', now: 't', listType });
    assert.equal(out.metadata.managedFields, undefined);
    assert.deepEqual(out.spec, bad.spec);
  });
});
