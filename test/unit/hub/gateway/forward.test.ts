import assert from 'node:assert/strict';
import { forwardTarget } from '../../../../hub/gateway/forward.js';
import { contains } from '../../../../hub/gateway/install.js';

const WORKS = '/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-east/works';
const q = (s = '') => new URLSearchParams(s);

describe('gateway: reading a forwarded request as kube-apiserver does', () => {
  it('verbs: get, list, watch (?watch= as Go ParseBool, /watch/ prefix), create, update, patch, delete', () => {
    assert.equal(forwardTarget('GET', `${WORKS}/w1`, q()).attrs.verb, 'get');
    assert.equal(forwardTarget('GET', WORKS, q()).attrs.verb, 'list');
    for (const v of ['1', 'true', 't', 'True'])
      assert.equal(forwardTarget('GET', WORKS, q(`watch=${v}`)).attrs.verb, 'watch', v);
    assert.equal(forwardTarget('GET', WORKS, q('watch=false')).attrs.verb, 'list');
    assert.equal(
      forwardTarget('GET', '/apis/edgefed.io/v1alpha1/watch/namespaces/edgefed-cluster-east/works', q()).attrs
        .verb,
      'watch',
    );
    assert.equal(forwardTarget('POST', WORKS, q()).attrs.verb, 'create');
    assert.equal(forwardTarget('PUT', `${WORKS}/w1`, q()).attrs.verb, 'update');
    assert.equal(forwardTarget('PATCH', `${WORKS}/w1/status`, q()).attrs.verb, 'patch');
    assert.equal(forwardTarget('DELETE', `${WORKS}/w1`, q()).attrs.verb, 'delete');
    assert.equal(forwardTarget('DELETE', WORKS, q()).attrs.verb, 'deletecollection');
  });

  it('attributes and the canonical host path', () => {
    const t = forwardTarget('PATCH', `${WORKS}/w1/status`, q());
    assert.deepEqual(
      { ...t.attrs, path: undefined },
      {
        verb: 'patch',
        resourceRequest: true,
        group: 'edgefed.io',
        version: 'v1alpha1',
        resource: 'works',
        subresource: 'status',
        namespace: 'edgefed-cluster-east',
        name: 'w1',
        path: undefined,
      },
    );
    assert.equal(t.path, `${WORKS}/w1/status`);
    // Empty segments collapse; what is forwarded is what was authorized.
    assert.equal(
      forwardTarget('GET', `/apis//edgefed.io/v1alpha1/namespaces/edgefed-cluster-east//works`, q()).path,
      WORKS,
    );
    const core = forwardTarget('GET', '/api/v1/namespaces/edgefed-cluster-east/leases', q());
    assert.equal(core.attrs.group, '');
    assert.equal(core.path, '/api/v1/namespaces/edgefed-cluster-east/leases');
  });

  it('refuses dot segments and encoded slashes in names (400), whatever their spelling', () => {
    for (const p of [`${WORKS}/..`, `${WORKS}/%2e%2e/status`, `${WORKS}/.`, `${WORKS}/a%2Fb`])
      assert.throws(
        () => forwardTarget('GET', p, q()),
        (e: { code?: number }) => e.code === 400,
        p,
      );
  });

  it('non-resource paths: only the discovery shapes get a host path', () => {
    for (const p of [
      '/version',
      '/api',
      '/apis',
      '/api/v1',
      '/apis/edgefed.io',
      '/apis/edgefed.io/v1alpha1',
    ]) {
      const t = forwardTarget('GET', p, q());
      assert.equal(t.attrs.resourceRequest, false, p);
      assert.equal(t.path, p);
    }
    for (const p of ['/metrics', '/openapi/v3', '/logs/', '/'])
      assert.equal(forwardTarget('GET', p, q()).path, '', p);
  });
});

describe('gateway: CRD install compares by containment (the server adds defaults)', () => {
  it('contains', () => {
    assert.ok(contains({ a: 1, b: { c: [1, { d: 2, e: 3 }] }, x: 'y' }, { a: 1, b: { c: [1, { d: 2 }] } }));
    assert.ok(!contains({ a: 1 }, { a: 2 }));
    assert.ok(!contains({ a: [1, 2] }, { a: [1] }), 'arrays must have the same length');
    assert.ok(!contains({}, { a: {} }));
  });
});
