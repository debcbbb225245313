import assert from 'node:assert/strict';
import { WORK_FINALIZER, type Work } from '../../../../api/federation.js';
import {
  decideWork,
  replacement,
  sourcesOfWorkEvent,
  workDrift,
} from '../../../../controllers/sync/work-drift.js';

const rendered = (): Work => ({
  apiVersion: 'edgefed.io/v1alpha1',
  kind: 'Work',
  metadata: {
    name: 'deployments.apps.demo.web',
    namespace: 'edgefed-cluster-eu1',
    labels: { 'edgefed.io/cluster': 'eu1' },
  },
  spec: {
    cluster: 'eu1',
    source: {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      resource: 'deployments',
      namespace: 'demo',
      name: 'web',
      uid: 'u-src',
      generation: 4,
    },
    manifest: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } },
    deletePolicy: 'Delete',
  },
});

/** The Work as the hub stores it: server metadata, the agent's finalizer, a status. */
const stored = (change: (w: Work) => void = () => {}): Work => {
  const w = rendered();
  w.metadata = {
    ...w.metadata,
    uid: 'u-work',
    resourceVersion: '17',
    finalizers: [WORK_FINALIZER],
    labels: { ...w.metadata.labels, team: 'x' },
  };
  w.status = { conditions: [{ type: 'Applied', status: 'True' }] };
  change(w);
  return w;
};

describe('sync: a Work that drifted from its rendering', () => {
  const cases: [string, Work | undefined, ReturnType<typeof decideWork>][] = [
    ['no Work yet', undefined, { action: 'create' }],
    ['as rendered (other labels, status, finalizers are not ours)', stored(), { action: 'keep' }],
    [
      'only the source generation differs (a federated edit that renders the same)',
      stored((w) => (w.spec.source.generation = 9)),
      { action: 'keep' },
    ],
    [
      'replicas patched at the Work',
      stored((w) => ((w.spec.manifest.spec as { replicas: number }).replicas = 7)),
      { action: 'replace', drift: ['spec.manifest'] },
    ],
    [
      'spec.cluster pointed at another site',
      stored((w) => (w.spec.cluster = 'us1')),
      { action: 'replace', drift: ['spec.cluster'] },
    ],
    [
      'deletePolicy flipped to Orphan',
      stored((w) => (w.spec.deletePolicy = 'Orphan')),
      { action: 'replace', drift: ['spec.deletePolicy'] },
    ],
    [
      'a PUT with no spec',
      stored((w) => delete (w as Partial<Work>).spec),
      { action: 'replace', drift: ['spec (missing)'] },
    ],
    [
      'a spec of the wrong shape',
      stored((w) => ((w as unknown as { spec: unknown }).spec = { cluster: 3, manifest: 'x' })),
      { action: 'replace', drift: ['spec (malformed)'] },
    ],
    [
      'the cluster label removed',
      stored((w) => (w.metadata.labels = { team: 'x' })),
      { action: 'replace', drift: ['metadata.labels[edgefed.io/cluster]'] },
    ],
    [
      'being deleted (even if drifted): wait, do not create it again',
      stored((w) => {
        w.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
        w.spec.cluster = 'us1';
      }),
      { action: 'wait' },
    ],
  ];
  for (const [what, existing, want] of cases)
    it(what, () => assert.deepEqual(decideWork(existing, rendered()), want));

  it('names every drifted field', () => {
    const w = stored((x) => {
      x.spec.cluster = 'us1';
      x.spec.deletePolicy = 'Orphan';
    });
    assert.deepEqual(workDrift(w, rendered()), ['spec.cluster', 'spec.deletePolicy']);
  });

  it('replaces the spec over the existing Work, keeping what is not the rendering', () => {
    const existing = stored((w) => {
      delete (w as Partial<Work>).spec;
      w.metadata.labels = { team: 'x' };
    });
    const r = replacement(existing, rendered());
    assert.deepEqual(r.spec, rendered().spec);
    assert.equal(r.metadata.resourceVersion, '17', 'a compare-and-swap on the version the decision saw');
    assert.deepEqual(r.metadata.finalizers, [WORK_FINALIZER]);
    assert.equal(r.metadata.uid, 'u-work');
    assert.deepEqual(r.metadata.labels, { team: 'x', 'edgefed.io/cluster': 'eu1' });
    assert.deepEqual(decideWork(r, rendered()), { action: 'keep' });
  });
});

describe('sync: which federated object a Work event concerns', () => {
  const src = rendered().spec.source;
  it('the source the Work names', () => assert.deepEqual(sourcesOfWorkEvent(stored()), [src]));
  it('the source it named before its spec was removed', () =>
    assert.deepEqual(sourcesOfWorkEvent({ spec: undefined }, stored()), [src]));
  it('both when the spec was pointed at another source', () => {
    const other = stored((w) => (w.spec.source = { ...w.spec.source, name: 'db' }));
    assert.deepEqual(sourcesOfWorkEvent(other, stored()), [other.spec.source, src]);
  });
  it('none when neither names one (the loop then looks by Work name)', () =>
    assert.deepEqual(sourcesOfWorkEvent({ spec: 'x' }, { spec: { source: 3 } }), []));
});
