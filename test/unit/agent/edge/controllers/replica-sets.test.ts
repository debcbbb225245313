import assert from 'node:assert/strict';
import { newReplicaSetFor } from '../../../../../agent/edge/controllers/deployment/new-replica-set.js';
import {
  findNewReplicaSet,
  newReplicaSetAnnotations,
  replicaSetsToCleanUp,
} from '../../../../../agent/edge/controllers/deployment/replica-sets.js';
import { podTemplateHash } from '../../../../../agent/edge/controllers/pod-template-hash.js';
import { deepFreeze, deployment, rs } from './fixtures.js';

const REV = 'deployment.kubernetes.io/revision';

describe('findNewReplicaSet', () => {
  it('is the oldest RS whose template is the Deployment’s, pod-template-hash ignored', () => {
    const d = deployment({ image: 'img:2' });
    const a = rs('a', { replicas: 1, image: 'img:1', created: 0 });
    const b = rs('b', { replicas: 1, image: 'img:2', created: 20 });
    const c = rs('c', { replicas: 1, image: 'img:2', created: 10 });
    c.spec!.template!.metadata!.labels!['pod-template-hash'] = 'xyz';
    assert.equal(findNewReplicaSet(d, [a, b, c])?.metadata.name, 'c');
    assert.equal(findNewReplicaSet(deployment({ image: 'img:3' }), [a, b, c]), undefined);
  });
});

describe('newReplicaSetFor', () => {
  it('names it <deployment>-<hash>, labels template and selector with the hash, sizes it by the rules', () => {
    const d = deepFreeze(
      deployment({ replicas: 4, maxSurge: 1, maxUnavailable: 0, annotations: { team: 'a' } }),
    );
    const hash = podTemplateHash(d.spec?.template);
    const created = newReplicaSetFor(d, [rs('old', { replicas: 4, revision: 3 })], 4);
    assert.equal(created.metadata.name, `web-${hash}`);
    assert.deepEqual(created.metadata.labels, { app: 'a', 'pod-template-hash': hash });
    assert.deepEqual(created.spec?.selector, { matchLabels: { app: 'a', 'pod-template-hash': hash } });
    assert.deepEqual(created.spec?.template?.metadata?.labels, { app: 'a', 'pod-template-hash': hash });
    assert.equal(created.spec?.replicas, 1, 'surge 1 over 4 running');
    assert.deepEqual(created.metadata.annotations, {
      team: 'a',
      [REV]: '4',
      'deployment.kubernetes.io/desired-replicas': '4',
      'deployment.kubernetes.io/max-replicas': '5',
    });
    assert.deepEqual(created.metadata.ownerReferences, [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: 'uid-web',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });
  it('takes the collision count into the hash', () => {
    const d = deployment({ status: { collisionCount: 1 } });
    assert.equal(newReplicaSetFor(d, [], 1).metadata.name, `web-${podTemplateHash(d.spec?.template, 1)}`);
  });
});

describe('newReplicaSetAnnotations (SetNewReplicaSetAnnotations)', () => {
  const cases: {
    name: string;
    d: Record<string, string>;
    rs: Record<string, string>;
    newRevision: number;
    exists: boolean;
    want: Record<string, string>;
  }[] = [
    {
      name: 'copies the Deployment’s annotations but not the controller’s or kubectl’s',
      d: { team: 'a', [REV]: '9', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      rs: { [REV]: '2' },
      newRevision: 2,
      exists: true,
      want: { team: 'a', [REV]: '2' },
    },
    {
      name: 'raises the revision',
      d: {},
      rs: { [REV]: '1' },
      newRevision: 3,
      exists: true,
      want: { [REV]: '3', 'deployment.kubernetes.io/revision-history': '1' },
    },
    {
      name: 'never lowers it',
      d: {},
      rs: { [REV]: '5' },
      newRevision: 3,
      exists: true,
      want: { [REV]: '5' },
    },
    {
      name: 'appends to the revision history on a rollback',
      d: {},
      rs: { [REV]: '4', 'deployment.kubernetes.io/revision-history': '1,2' },
      newRevision: 6,
      exists: true,
      want: { [REV]: '6', 'deployment.kubernetes.io/revision-history': '1,2,4' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = deployment({ annotations: c.d });
      const r = rs('r', { replicas: 1, annotations: c.rs });
      assert.deepEqual(newReplicaSetAnnotations(d, r, c.newRevision, c.exists), c.want);
    });
  }
});

describe('replicaSetsToCleanUp (revisionHistoryLimit)', () => {
  const old = (n: number, o: Partial<Parameters<typeof rs>[1]> = {}) =>
    rs(`r${n}`, { replicas: 0, revision: n, created: n, ...o });
  const cases: { name: string; limit?: number; rss: ReturnType<typeof rs>[]; want: string[] }[] = [
    { name: 'within the default limit of 10: none', rss: [1, 2, 3].map((n) => old(n)), want: [] },
    {
      name: 'beyond the limit: the lowest revisions',
      limit: 2,
      rss: [4, 1, 3, 2].map((n) => old(n)),
      want: ['r1', 'r2'],
    },
    { name: 'limit 0: every old RS', limit: 0, rss: [1, 2].map((n) => old(n)), want: ['r1', 'r2'] },
    {
      name: 'never one with replicas, pods, or a status behind its spec',
      limit: 0,
      rss: [
        old(1, { replicas: 1 }),
        old(2, { actual: 1 }),
        old(3, { generation: 2, observedGeneration: 1 }),
        old(4),
      ],
      want: ['r4'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = deployment({ revisionHistoryLimit: c.limit });
      assert.deepEqual(
        replicaSetsToCleanUp(d, c.rss).map((r) => r.metadata.name),
        c.want,
      );
    });
  }
});
