import assert from 'node:assert/strict';
import { adoptPatch, claimObjects, releasePatch } from '../../../../../agent/edge/controllers/claim.js';
import type { Pod } from '../../../../../agent/edge/controllers/types.js';
import { pod } from './fixtures.js';

describe('claimObjects (ControllerRefManager)', () => {
  const owner = { metadata: { name: 'rs', uid: 'me' } };
  const matches = (p: Pod) => p.metadata.labels?.app === 'a';
  const cases: {
    name: string;
    p: Pod;
    ownerDeleting?: boolean;
    want: 'owned' | 'adopt' | 'release' | 'ignored';
  }[] = [
    {
      name: 'ours and matching: owned',
      p: pod('p', { labels: { app: 'a' }, owner: { kind: 'ReplicaSet', name: 'rs', uid: 'me' } }),
      want: 'owned',
    },
    {
      name: 'ours, not matching: released',
      p: pod('p', { labels: { app: 'b' }, owner: { kind: 'ReplicaSet', name: 'rs', uid: 'me' } }),
      want: 'release',
    },
    {
      name: 'ours, not matching, owner deleting: left alone',
      p: pod('p', { labels: { app: 'b' }, owner: { kind: 'ReplicaSet', name: 'rs', uid: 'me' } }),
      ownerDeleting: true,
      want: 'ignored',
    },
    {
      name: 'another controller’s: ignored',
      p: pod('p', { labels: { app: 'a' }, owner: { kind: 'ReplicaSet', name: 'x', uid: 'other' } }),
      want: 'ignored',
    },
    { name: 'orphan, matching: adopted', p: pod('p', { labels: { app: 'a' } }), want: 'adopt' },
    { name: 'orphan, not matching: ignored', p: pod('p', { labels: { app: 'b' } }), want: 'ignored' },
    {
      name: 'orphan being deleted: ignored',
      p: pod('p', { labels: { app: 'a' }, deleting: true }),
      want: 'ignored',
    },
    {
      name: 'orphan, owner deleting: ignored',
      p: pod('p', { labels: { app: 'a' } }),
      ownerDeleting: true,
      want: 'ignored',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = c.ownerDeleting ? { metadata: { ...owner.metadata, deletionTimestamp: 'x' } } : owner;
      const claim = claimObjects(o, matches, [c.p]);
      const got = claim.owned.length
        ? 'owned'
        : claim.adopt.length
          ? 'adopt'
          : claim.release.length
            ? 'release'
            : 'ignored';
      assert.equal(got, c.want);
    });
  }

  it('patches carry the resourceVersion (a concurrent change makes them fail, not clobber)', () => {
    const p = pod('p', { owner: { kind: 'X', name: 'x', uid: 'me' } });
    p.metadata.resourceVersion = '7';
    assert.deepEqual(releasePatch(p, 'me'), { metadata: { resourceVersion: '7', ownerReferences: null } });
    const orphan = pod('o');
    orphan.metadata.resourceVersion = '8';
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'me', controller: true };
    assert.deepEqual(adoptPatch(orphan, ref), { metadata: { resourceVersion: '8', ownerReferences: [ref] } });
  });
});
