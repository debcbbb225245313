import assert from 'node:assert/strict';
import { formatRules, uncoveredRules } from '../../../../apiserver/auth/rbac/escalation.js';
import type { PolicyRule } from '../../../../apiserver/auth/rbac/rules.js';

describe('rbac escalation: uncoveredRules', () => {
  const owner: PolicyRule[] = [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps', 'pods', 'pods/log'] },
    { verbs: ['*'], apiGroups: ['types.kubefed.io'], resources: ['*'] },
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['shared'] },
    { verbs: ['get'], nonResourceURLs: ['/apis/*'] },
  ];
  const cases: [string, PolicyRule[], PolicyRule[]][] = [
    ['a subset is covered', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps', 'pods'] }], []],
    [
      'a wildcard owner covers any resource and verb of its group',
      [{ verbs: ['create', 'delete'], apiGroups: ['types.kubefed.io'], resources: ['federateddeployments'] }],
      [],
    ],
    [
      'a verb not held',
      [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['configmaps'] }],
      [{ verbs: ['delete'], apiGroups: [''], resources: ['configmaps'] }],
    ],
    [
      'a wildcard not held',
      [{ verbs: ['get'], apiGroups: [''], resources: ['*'] }],
      [{ verbs: ['get'], apiGroups: [''], resources: ['*'] }],
    ],
    ['a subresource held', [{ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }], []],
    [
      'a named object held',
      [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['shared'] }],
      [],
    ],
    [
      'all objects when only one is held',
      [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }],
      [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }],
    ],
    ['a URL under a held prefix', [{ verbs: ['get'], nonResourceURLs: ['/apis/apps'] }], []],
    [
      'a URL not held',
      [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }],
      [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }],
    ],
  ];
  for (const [name, servant, want] of cases)
    it(name, () => assert.deepEqual(uncoveredRules(owner, servant), want));

  it("formats as kube's message does", () => {
    assert.equal(
      formatRules([{ verbs: ['create'], apiGroups: [''], resources: ['resourcequotas'] }]),
      '{APIGroups:[""], Resources:["resourcequotas"], Verbs:["create"]}',
    );
  });
});
