import assert from 'node:assert/strict';
import { PodExpectations } from '../../../../../agent/edge/controllers/expectations.js';
import type { Pod } from '../../../../../agent/edge/controllers/types.js';
import { pod } from './fixtures.js';

describe('PodExpectations', () => {
  let now = 0;
  const clock = () => now;
  const cacheOf = (pods: Pod[]) => (name: string) => pods.find((p) => p.metadata.name === name);

  beforeEach(() => (now = 1000));

  it('nothing expected: satisfied', () => {
    assert.equal(new PodExpectations(60_000, clock).satisfied('rs', cacheOf([])), true);
  });

  it('a create is outstanding until the cache has the pod', () => {
    const e = new PodExpectations(60_000, clock);
    e.expectCreate('rs', 'a');
    assert.equal(e.satisfied('rs', cacheOf([])), false);
    assert.equal(e.satisfied('rs', cacheOf([pod('a')])), true);
  });

  it('or until the informer reported it (a pod that came and went between two passes)', () => {
    const e = new PodExpectations(60_000, clock);
    e.expectCreate('rs', 'a');
    e.observedCreate('rs', 'a');
    assert.equal(e.satisfied('rs', cacheOf([])), true);
  });

  it('a delete is outstanding until the pod is gone, marked for deletion, or replaced by a namesake', () => {
    const e = new PodExpectations(60_000, clock);
    const p = pod('a', { uid: 'u1' });
    e.expectDelete('rs', 'a', 'u1');
    assert.equal(e.satisfied('rs', cacheOf([p])), false);
    assert.equal(e.satisfied('rs', cacheOf([pod('a', { uid: 'u1', deleting: true })])), true);
    e.expectDelete('rs', 'a', 'u1');
    assert.equal(e.satisfied('rs', cacheOf([pod('a', { uid: 'u2' })])), true);
  });

  it('a refused write expects nothing', () => {
    const e = new PodExpectations(60_000, clock);
    e.expectCreate('rs', 'a');
    e.creationFailed('rs', 'a');
    e.expectDelete('rs', 'b', 'u');
    e.deletionFailed('rs', 'b');
    assert.equal(e.satisfied('rs', cacheOf([pod('b', { uid: 'u' })])), true);
  });

  it('expires after the TTL (a lost answer must not block the owner for ever)', () => {
    const e = new PodExpectations(60_000, clock);
    e.expectCreate('rs', 'a');
    now += 60_001;
    assert.equal(e.satisfied('rs', cacheOf([])), true);
  });

  it('owners are independent', () => {
    const e = new PodExpectations(60_000, clock);
    e.expectCreate('rs1', 'a');
    assert.deepEqual(e.pending('rs1'), { creates: 1, deletes: 0 });
    assert.equal(e.satisfied('rs2', cacheOf([])), true);
    e.forget('rs1');
    assert.equal(e.satisfied('rs1', cacheOf([])), true);
  });
});
