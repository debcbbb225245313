import assert from 'node:assert/strict';
import {
  impersonatedUser,
  impersonationChecks,
  impersonationOf,
} from '../../../../apiserver/auth/impersonation.js';

describe('impersonation headers', () => {
  it('no headers, no impersonation', () => assert.equal(impersonationOf({ accept: 'x' }), undefined));

  it('groups without a user are refused', () =>
    assert.throws(() => impersonationOf({ 'impersonate-group': 'devs' }), /without impersonating a user/));

  it('a user with groups, uid and extras: one check each, kube attributes', () => {
    const r = impersonationOf({
      'impersonate-user': 'alice',
      'impersonate-group': ['devs', 'ops'],
      'impersonate-uid': 'u-1',
      'impersonate-extra-scopes': ['view'],
    });
    assert.ok(r);
    assert.deepEqual(
      impersonationChecks(r).map(
        (a) => `${a.group}/${a.resource}${a.subresource ? `/${a.subresource}` : ''}:${a.name}`,
      ),
      [
        '/users:alice',
        '/groups:devs',
        '/groups:ops',
        'authentication.k8s.io/uids:u-1',
        'authentication.k8s.io/userextras/scopes:view',
      ],
    );
    assert.deepEqual(impersonatedUser(r), {
      name: 'alice',
      groups: ['devs', 'ops', 'system:authenticated'],
      uid: 'u-1',
      extra: { scopes: ['view'] },
    });
  });

  it('a ServiceAccount is checked as serviceaccounts in its namespace and gets its groups', () => {
    const r = impersonationOf({ 'impersonate-user': 'system:serviceaccount:team-a:bot' });
    assert.ok(r);
    const [check] = impersonationChecks(r);
    assert.deepEqual([check.resource, check.namespace, check.name], ['serviceaccounts', 'team-a', 'bot']);
    assert.deepEqual(impersonatedUser(r).groups, [
      'system:serviceaccounts',
      'system:serviceaccounts:team-a',
      'system:authenticated',
    ]);
  });
});
