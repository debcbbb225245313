import assert from 'node:assert/strict';
import type { RequestAttributes } from '../../../../apiserver/auth/authz.js';
import {
  aggregatedRules,
  ruleAllows,
  sameRules,
  subjectMatches,
  type PolicyRule,
  type RoleView,
  type Subject,
} from '../../../../apiserver/auth/rbac/rules.js';
import type { UserInfo } from '../../../../apiserver/rest/context.js';

function res(
  verb: string,
  group: string,
  resource: string,
  extra: Partial<RequestAttributes> = {},
): RequestAttributes {
  return { verb, resourceRequest: true, group, resource, path: '', ...extra };
}
function url(verb: string, path: string): RequestAttributes {
  return { verb, resourceRequest: false, path };
}

describe('rbac rules: ruleAllows', () => {
  const cases: [string, PolicyRule, RequestAttributes, boolean][] = [
    [
      'exact verb/group/resource',
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      res('get', '', 'pods'),
      true,
    ],
    ['other verb', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('list', '', 'pods'), false],
    ['verb *', { verbs: ['*'], apiGroups: [''], resources: ['pods'] }, res('delete', '', 'pods'), true],
    [
      'other group',
      { verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] },
      res('get', '', 'pods'),
      false,
    ],
    [
      'group *',
      { verbs: ['get'], apiGroups: ['*'], resources: ['deployments'] },
      res('get', 'apps', 'deployments'),
      true,
    ],
    [
      'resource *',
      { verbs: ['get'], apiGroups: ['apps'], resources: ['*'] },
      res('get', 'apps', 'deployments'),
      true,
    ],
    [
      'resource * covers subresources',
      { verbs: ['get'], apiGroups: [''], resources: ['*'] },
      res('get', '', 'pods', { subresource: 'log' }),
      true,
    ],
    [
      'plain resource does not cover a subresource',
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      res('get', '', 'pods', { subresource: 'log' }),
      false,
    ],
    [
      'resource/subresource',
      { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] },
      res('get', '', 'pods', { subresource: 'log' }),
      true,
    ],
    [
      '*/subresource',
      { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] },
      res('update', 'apps', 'deployments', { subresource: 'scale' }),
      true,
    ],
    [
      '*/subresource is not the resource',
      { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] },
      res('update', 'apps', 'deployments'),
      false,
    ],
    [
      'resourceNames match',
      { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
      res('get', '', 'configmaps', { name: 'a' }),
      true,
    ],
    [
      'resourceNames other name',
      { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
      res('get', '', 'configmaps', { name: 'b' }),
      false,
    ],
    [
      'resourceNames never allow nameless requests',
      { verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
      res('list', '', 'configmaps'),
      false,
    ],
    ['nonResourceURL exact', { verbs: ['get'], nonResourceURLs: ['/version'] }, url('get', '/version'), true],
    [
      'nonResourceURL prefix *',
      { verbs: ['get'], nonResourceURLs: ['/apis/*'] },
      url('get', '/apis/apps/v1'),
      true,
    ],
    ['nonResourceURL other', { verbs: ['get'], nonResourceURLs: ['/api'] }, url('get', '/apis'), false],
    [
      'URL rule does not allow resources',
      { verbs: ['*'], nonResourceURLs: ['*'] },
      res('get', '', 'pods'),
      false,
    ],
    [
      'resource rule does not allow URLs',
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      url('get', '/version'),
      false,
    ],
  ];
  for (const [name, rule, attrs, want] of cases) it(name, () => assert.equal(ruleAllows(rule, attrs), want));
});

describe('rbac rules: subjectMatches', () => {
  const sa: UserInfo = { name: 'system:serviceaccount:team-a:bot', groups: ['system:serviceaccounts'] };
  const alice: UserInfo = { name: 'alice', groups: ['devs', 'system:authenticated'] };
  const cases: [string, Subject, UserInfo, string, boolean][] = [
    ['user by name', { kind: 'User', name: 'alice' }, alice, 'x', true],
    ['other user', { kind: 'User', name: 'bob' }, alice, 'x', false],
    ['group member', { kind: 'Group', name: 'devs' }, alice, 'x', true],
    ['not a member', { kind: 'Group', name: 'ops' }, alice, 'x', false],
    [
      'serviceaccount with namespace',
      { kind: 'ServiceAccount', name: 'bot', namespace: 'team-a' },
      sa,
      'x',
      true,
    ],
    [
      'serviceaccount of another namespace',
      { kind: 'ServiceAccount', name: 'bot', namespace: 'team-b' },
      sa,
      'team-a',
      false,
    ],
    [
      'serviceaccount defaults to the binding namespace',
      { kind: 'ServiceAccount', name: 'bot' },
      sa,
      'team-a',
      true,
    ],
    [
      'a user named like an SA subject is not matched by a User subject of another name',
      { kind: 'User', name: 'bot' },
      sa,
      'team-a',
      false,
    ],
  ];
  for (const [name, s, u, ns, want] of cases) it(name, () => assert.equal(subjectMatches(s, u, ns), want));
});

describe('rbac rules: aggregatedRules', () => {
  const r1: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
  const r2: PolicyRule = { verbs: ['create'], apiGroups: ['types.kubefed.io'], resources: ['*'] };
  const roles: RoleView[] = [
    {
      name: 'edit',
      labels: {},
      rules: [],
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'agg-edit': 'true' } }] },
    },
    { name: 'b-extra', labels: { 'agg-edit': 'true' }, rules: [r2, r1] },
    { name: 'a-base', labels: { 'agg-edit': 'true' }, rules: [r1] },
    {
      name: 'unrelated',
      labels: { other: 'true' },
      rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    },
  ];
  it('collects matching roles in name order without duplicates', () => {
    assert.deepEqual(aggregatedRules(roles[0], roles), [r1, r2]);
  });
  it('is empty without selectors', () => {
    assert.deepEqual(aggregatedRules({ name: 'x', labels: {}, rules: [] }, roles), []);
  });
  it('sameRules compares order and content', () => {
    assert.equal(sameRules([r1, r2], [r1, r2]), true);
    assert.equal(sameRules([r1, r2], [r2, r1]), false);
    assert.equal(sameRules([r1], [{ ...r1, resourceNames: [] }]), false);
  });
});
