import assert from 'node:assert/strict';
import { decideExisting } from '../../../../agent/apply/adopt.js';
import type { ObjectMeta } from '../../../../api/kubernetes.js';

const obj = (metadata: ObjectMeta) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'x', ...metadata },
});

describe('agent: what to do with an existing member object', () => {
  const cases: [string, ObjectMeta, string, boolean | string | undefined][] = [
    ['unlabelled: adopt (update)', {}, 'update', true],
    ['labelled managed true: ours, update', { labels: { 'kubefed.io/managed': 'true' } }, 'update', false],
    ['labelled other value: adopt', { labels: { 'kubefed.io/managed': 'yes' } }, 'update', true],
    [
      'labelled managed false: leave it (ManagedLabelFalse)',
      { labels: { 'kubefed.io/managed': 'false' } },
      'leave',
      'ManagedLabelFalse',
    ],
    ['being deleted: wait', { deletionTimestamp: '2024-01-01T00:00:00Z' }, 'wait', undefined],
    [
      'managed false wins over being deleted',
      { labels: { 'kubefed.io/managed': 'false' }, deletionTimestamp: '2024-01-01T00:00:00Z' },
      'leave',
      'ManagedLabelFalse',
    ],
  ];
  for (const [name, meta, action, detail] of cases) {
    it(name, () => {
      const d = decideExisting(obj(meta));
      assert.equal(d.action, action);
      if (d.action === 'update') assert.equal(d.adopt, detail);
      if (d.action === 'leave') assert.equal(d.clusterStatus, detail);
    });
  }
});
