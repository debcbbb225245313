import assert from 'node:assert/strict';
import { isDns1123Subdomain, workName, type WorkNameSource } from '../../../../controllers/sync/work-name.js';

describe('workName', () => {
  const cases: { name: string; source: WorkNameSource; want: string | RegExp }[] = [
    {
      name: 'namespaced, named group',
      source: { group: 'apps', resource: 'deployments', namespace: 'web', name: 'frontend' },
      want: 'deployments.apps.web.frontend',
    },
    {
      name: 'core group',
      source: { group: '', resource: 'configmaps', namespace: 'web', name: 'settings' },
      want: 'configmaps.core.web.settings',
    },
    {
      name: 'cluster-scoped',
      source: { group: '', resource: 'namespaces', name: 'web' },
      want: 'namespaces.core.web',
    },
    {
      name: 'dotted group and dotted name',
      source: { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'edge.reader' },
      want: 'clusterroles.rbac.authorization.k8s.io.edge.reader',
    },
    {
      name: 'a name DNS does not allow gets sanitized + hash',
      source: {
        group: 'rbac.authorization.k8s.io',
        resource: 'clusterroles',
        name: 'system:aggregate-to-Admin',
      },
      want: /^clusterroles\.rbac\.authorization\.k8s\.io\.system-aggregate-to-admin-[0-9a-f]{10}$/,
    },
    {
      name: 'too long → truncated + hash',
      source: { group: 'example.com', resource: 'widgets', namespace: 'n'.repeat(63), name: 'x'.repeat(253) },
      want: new RegExp(`^widgets\\.example\\.com\\.${'n'.repeat(63)}\\.x+-[0-9a-f]{10}$`),
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const got = workName(tc.source);
      if (typeof tc.want === 'string') assert.equal(got, tc.want);
      else assert.match(got, tc.want);
      assert.ok(isDns1123Subdomain(got), `${got} is not a DNS-1123 subdomain`);
      assert.ok(got.length <= 253);
      assert.equal(workName(tc.source), got, 'deterministic');
    });
  }

  it('is a valid DNS-1123 subdomain of at most 253 characters at every length', () => {
    for (let n = 1; n <= 300; n += 7) {
      for (const tail of ['a', '.', '-', ':']) {
        const name = `${'a'.repeat(n)}${tail}b`;
        const got = workName({ group: 'apps', resource: 'deployments', namespace: 'ns', name });
        assert.ok(isDns1123Subdomain(got), `${got} (n=${n}, tail=${tail})`);
      }
    }
  });

  it('gives distinct sources distinct names', () => {
    const long = 'y'.repeat(250);
    const sources: WorkNameSource[] = [
      { group: 'apps', resource: 'deployments', namespace: 'a', name: 'web' },
      { group: 'apps', resource: 'deployments', namespace: 'b', name: 'web' },
      { group: 'apps', resource: 'replicasets', namespace: 'a', name: 'web' },
      { group: '', resource: 'configmaps', namespace: 'a', name: 'web' },
      { group: '', resource: 'configmaps', namespace: 'a', name: 'web-2' },
      { group: '', resource: 'namespaces', name: 'a' },
      // One plural in two groups (events, ingresses...).
      { group: '', resource: 'events', namespace: 'a', name: 'e.1' },
      { group: 'events.k8s.io', resource: 'events', namespace: 'a', name: 'e.1' },
      { group: 'extensions', resource: 'ingresses', namespace: 'a', name: 'web' },
      { group: 'networking.k8s.io', resource: 'ingresses', namespace: 'a', name: 'web' },
      // Dotted names in different namespaces.
      { group: 'example.com', resource: 'widgets', namespace: 'a', name: 'b.c' },
      { group: 'example.com', resource: 'widgets', namespace: 'a', name: 'b-c' },
      { group: 'example.com', resource: 'gadgets', name: 'a.b.c' },
      { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'system:a' },
      { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'system-a' },
      { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'System:A' },
      { group: 'apps', resource: 'deployments', namespace: 'a', name: `${long}1` },
      { group: 'apps', resource: 'deployments', namespace: 'a', name: `${long}2` },
      { group: 'apps', resource: 'deployments', namespace: 'b', name: `${long}1` },
    ];
    const names = sources.map(workName);
    assert.equal(new Set(names).size, names.length, names.join('\n'));
    for (const n of names) assert.ok(isDns1123Subdomain(n), n);
  });
});
