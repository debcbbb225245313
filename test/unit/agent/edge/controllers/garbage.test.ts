import assert from 'node:assert/strict';
import { isGarbage } from '../../../../../agent/edge/controllers/gc/garbage.js';
import type { OwnerReference } from '../../../../../api/kubernetes.js';

const ref = (
  kind: string,
  uid: string,
  apiVersion = kind === 'Job' ? 'batch/v1' : 'apps/v1',
): OwnerReference => ({
  apiVersion,
  kind,
  name: `${kind.toLowerCase()}-${uid}`,
  uid,
});

describe('isGarbage', () => {
  const alive = new Set(['live-1', 'live-2']);
  const exists = (r: OwnerReference) => alive.has(r.uid);
  const cases: { name: string; refs?: OwnerReference[]; want: boolean }[] = [
    { name: 'no owner: never', refs: undefined, want: false },
    { name: 'empty owner list: never', refs: [], want: false },
    { name: 'its Deployment exists', refs: [ref('Deployment', 'live-1')], want: false },
    { name: 'its ReplicaSet is gone', refs: [ref('ReplicaSet', 'gone')], want: true },
    { name: 'its Job is gone', refs: [ref('Job', 'gone')], want: true },
    {
      name: 'one of two owners remains',
      refs: [ref('ReplicaSet', 'gone'), ref('Deployment', 'live-2')],
      want: false,
    },
    { name: 'all owners gone', refs: [ref('ReplicaSet', 'gone'), ref('Job', 'gone-too')], want: true },
    {
      name: 'an owner of a kind not followed keeps it (unknown is not gone)',
      refs: [ref('ReplicaSet', 'gone'), ref('StatefulSet', 'x')],
      want: false,
    },
    {
      name: 'another API version is another kind',
      refs: [ref('Deployment', 'gone', 'extensions/v1beta1')],
      want: false,
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(isGarbage(c.refs, exists), c.want));
});
