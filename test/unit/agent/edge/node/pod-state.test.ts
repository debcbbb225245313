import assert from 'node:assert/strict';
import { PodState } from '../../../../../agent/edge/node/pod-state.js';
import { observed, UID } from './fixtures.js';

describe('edge node: pod state overrides', () => {
  it('an exited container without finishedAt gets the time it was first seen, and keeps it', () => {
    const s = new PodState(UID);
    const c = observed('app', 0, { id: 'a', status: 'exited', exitCode: 1 });
    assert.equal(s.view(c, '2025-01-01T00:00:00.000Z').finishedAt, '2025-01-01T00:00:00.000Z');
    assert.equal(s.view(c, '2025-01-01T00:05:00.000Z').finishedAt, '2025-01-01T00:00:00.000Z');
  });

  it('a failed start shows as a created container with the error', () => {
    const s = new PodState(UID);
    s.overrides.set('b', { error: 'no such file', finishedAt: 'T' });
    const v = s.view(observed('app', 0, { id: 'b', status: 'created' }), 'now');
    assert.equal(v.error, 'no such file');
    assert.equal(v.finishedAt, 'T');
  });

  it('engine facts win; running containers are untouched; prune forgets gone ids', () => {
    const s = new PodState(UID);
    const run = observed('app', 0, { id: 'r', status: 'running' });
    assert.equal(s.view(run, 'now'), run);
    const done = observed('app', 0, { id: 'd', status: 'exited', finishedAt: 'engine-time' });
    assert.equal(s.view(done, 'now').finishedAt, 'engine-time');
    s.overrides.set('gone', { finishedAt: 'x' });
    s.prune(new Set(['d']));
    assert.equal(s.overrides.has('gone'), false);
  });
});
