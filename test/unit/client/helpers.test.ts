import assert from 'node:assert/strict';
import { Backoff } from '../../../client/backoff.js';
import { resourcePath } from '../../../client/client.js';
import { ApiError, isAlreadyExists, isConflict, isExpired, isNotFound } from '../../../client/errors.js';
import { objectKey } from '../../../client/informer.js';
import { microTime, parseTime } from '../../../api/time.js';

describe('runtime helpers', () => {
  it('Backoff: full jitter under a doubling ceiling from 200 ms capped at 30 s', () => {
    const top = new Backoff(200, 30_000, () => 0.999999);
    const ceilings = Array.from({ length: 10 }, () => top.next() + 1);
    assert.deepEqual(ceilings, [200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
    const bottom = new Backoff(200, 30_000, () => 0);
    assert.equal(bottom.next(), 0);
    top.reset();
    assert.equal(top.attempts, 0);
    assert.equal(top.next() + 1, 200);
  });

  it('ApiError keeps the code and Status reason', () => {
    const body = JSON.stringify({
      kind: 'Status',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
      message: 'configmaps "x" already exists',
    });
    const e = ApiError.fromResponse(409, body, 'POST /api/v1/namespaces/d/configmaps');
    assert.equal(e.code, 409);
    assert.equal(e.reason, 'AlreadyExists');
    assert.ok(isAlreadyExists(e));
    assert.ok(!isConflict(e));
    assert.match(e.message, /already exists/);
    const c = ApiError.fromResponse(409, JSON.stringify({ reason: 'Conflict', code: 409 }), 'PUT x');
    assert.ok(isConflict(c));
    assert.ok(isNotFound(ApiError.fromResponse(404, 'not json', 'GET x')));
    assert.ok(isExpired(ApiError.fromStatus({ code: 410, reason: 'Expired', message: 'too old' }, 'watch')));
  });

  it('resourcePath and objectKey', () => {
    assert.equal(
      resourcePath({ group: '', version: 'v1', resource: 'configmaps' }, 'ns', 'a'),
      '/api/v1/namespaces/ns/configmaps/a',
    );
    assert.equal(
      resourcePath({ group: 'edgefed.io', version: 'v1alpha1', resource: 'works' }, 'ns', 'w', 'status'),
      '/apis/edgefed.io/v1alpha1/namespaces/ns/works/w/status',
    );
    assert.equal(
      resourcePath({ group: 'core.kubefed.io', version: 'v1beta1', resource: 'kubefedclusters' }),
      '/apis/core.kubefed.io/v1beta1/kubefedclusters',
    );
    assert.equal(objectKey({ metadata: { namespace: 'ns', name: 'a' } }), 'ns/a');
    assert.equal(objectKey({ metadata: { name: 'a' } }), 'a');
  });

  it('MicroTime has six fractional digits and parses back', () => {
    const ms = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
    const s = microTime(ms);
    assert.equal(s, '2025-01-02T03:04:05.678000Z');
    assert.equal(parseTime(s), ms);
    assert.equal(parseTime('2025-01-02T03:04:05Z'), ms - 678);
    assert.equal(parseTime('2025-01-02T03:04:05.678912345+00:00'), ms);
    assert.equal(parseTime(undefined), undefined);
    assert.equal(parseTime('garbage'), undefined);
  });
});
