import assert from 'node:assert/strict';
import { AGENT_CN_PREFIX, AGENT_GROUP } from '../../../../api/protocol.js';
import type { RequestAttributes } from '../../../../apiserver/auth/authz.js';
import { AGENT_KEY_EXTRA, agentAuthorizer, agentCluster } from '../../../../hub/join/agent-authorizer.js';

const agent = (cluster: string) => ({
  name: `${AGENT_CN_PREFIX}${cluster}`,
  groups: [AGENT_GROUP, 'system:authenticated'],
});
const known = new Set(['eu1', 'us1']);
const authz = agentAuthorizer((n) => known.has(n));

const OWN = 'edgefed-cluster-eu1';
const OTHER = 'edgefed-cluster-us1';
const KFS = 'kube-federation-system';

function res(
  verb: string,
  group: string,
  resource: string,
  namespace?: string,
  name?: string,
  subresource?: string,
): RequestAttributes {
  return {
    verb,
    resourceRequest: true,
    group,
    version: 'v1',
    resource,
    namespace,
    name,
    subresource,
    path: '/x',
  };
}

const works = (verb: string, ns = OWN, name?: string, sub?: string) =>
  res(verb, 'edgefed.io', 'works', ns, name, sub);
const lease = (verb: string, ns = OWN, name?: string) => res(verb, 'coordination.k8s.io', 'leases', ns, name);
const inv = (verb: string, ns = OWN, name?: string) =>
  res(verb, 'edgefed.io', 'clusterinventories', ns, name);
const kfc = (verb: string, name?: string, sub?: string) =>
  res(verb, 'core.kubefed.io', 'kubefedclusters', KFS, name, sub);

const allowed: [string, RequestAttributes][] = [
  ['get own work', works('get', OWN, 'w1')],
  ['list own works', works('list')],
  ['watch own works', works('watch')],
  ['update own work (finalizers)', works('update', OWN, 'w1')],
  ['patch own work (finalizers)', works('patch', OWN, 'w1')],
  ['update own work status', works('update', OWN, 'w1', 'status')],
  ['patch own work status', works('patch', OWN, 'w1', 'status')],
  ['create heartbeat lease', lease('create')],
  ['get heartbeat lease', lease('get', OWN, 'agent-heartbeat')],
  ['update heartbeat lease', lease('update', OWN, 'agent-heartbeat')],
  ['patch heartbeat lease', lease('patch', OWN, 'agent-heartbeat')],
  ['get own KubeFedCluster status', kfc('get', 'eu1', 'status')],
  ['update own KubeFedCluster status', kfc('update', 'eu1', 'status')],
  ['patch own KubeFedCluster status', kfc('patch', 'eu1', 'status')],
  ['create own inventory', inv('create')],
  ['create own inventory (path names it)', inv('create', OWN, 'eu1')],
  ['get own inventory', inv('get', OWN, 'eu1')],
  ['update own inventory', inv('update', OWN, 'eu1')],
];

const denied: [string, RequestAttributes][] = [
  ["get another cluster's work", works('get', OTHER, 'w1')],
  ["list another cluster's works", works('list', OTHER)],
  ["update another cluster's work status", works('update', OTHER, 'w1', 'status')],
  ['list works in every namespace', res('list', 'edgefed.io', 'works')],
  ['create a work', works('create')],
  ['delete a work', works('delete', OWN, 'w1')],
  ['deletecollection of works', works('deletecollection')],
  ['works in another group', res('get', 'example.com', 'works', OWN, 'w1')],
  ['get secrets in own namespace', res('get', '', 'secrets', OWN, 's')],
  ['list secrets everywhere', res('list', '', 'secrets')],
  ['get bootstrap token secret', res('get', '', 'secrets', 'kube-system', 'bootstrap-token-abcdef')],
  ['create configmap in own namespace', res('create', '', 'configmaps', OWN)],
  ['list pods', res('list', '', 'pods', OWN)],
  ['get namespaces', res('get', '', 'namespaces', undefined, OWN)],
  ['delete own namespace', res('delete', '', 'namespaces', undefined, OWN)],
  ['another lease in own namespace', lease('update', OWN, 'other-lease')],
  ['create heartbeat lease elsewhere', lease('create', OTHER)],
  ["update another cluster's heartbeat", lease('update', OTHER, 'agent-heartbeat')],
  ['delete heartbeat lease', lease('delete', OWN, 'agent-heartbeat')],
  ['list leases', lease('list')],
  ['controller lease in hub namespace', lease('update', KFS, 'edgefed-controller-manager')],
  ['list kubefedclusters', kfc('list')],
  ['watch kubefedclusters', kfc('watch')],
  ["get another cluster's KubeFedCluster", kfc('get', 'us1')],
  ["update another cluster's status", kfc('update', 'us1', 'status')],
  ['update own KubeFedCluster spec/labels', kfc('update', 'eu1')],
  ['patch own KubeFedCluster (annotations)', kfc('patch', 'eu1')],
  ['delete own KubeFedCluster', kfc('delete', 'eu1')],
  ['create a KubeFedCluster', kfc('create')],
  ['federated objects', res('list', 'types.kubefed.io', 'federateddeployments', OWN)],
  ['CRDs', res('create', 'apiextensions.k8s.io', 'customresourcedefinitions')],
  ['non-resource path', { verb: 'get', resourceRequest: false, path: '/metrics' }],
  ['get own KubeFedCluster (only its status)', kfc('get', 'eu1')],
  ['get own work status (reads the Work itself)', works('get', OWN, 'w1', 'status')],
  ['create a lease the path names otherwise', lease('create', OWN, 'other-lease')],
  ['update own work through another subresource', works('update', OWN, 'w1', 'scale')],
  ["create another cluster's KubeFedCluster status", kfc('create', 'eu1', 'status')],
  ['secrets in the hub namespace', res('list', '', 'secrets', KFS)],
  ["update another cluster's inventory", inv('update', OTHER, 'us1')],
  ['an inventory under another name', inv('update', OWN, 'us1')],
  ['create an inventory under another name', inv('create', OWN, 'us1')],
  ['list inventories', inv('list')],
  ['delete own inventory', inv('delete', OWN, 'eu1')],
  ['patch own inventory (not needed)', inv('patch', OWN, 'eu1')],
];

describe('agent authorizer', () => {
  for (const [what, attrs] of allowed) {
    it(`allows: ${what}`, async () => {
      assert.equal((await authz.authorize(agent('eu1'), attrs)).allowed, true);
    });
  }
  for (const [what, attrs] of denied) {
    it(`denies: ${what}`, async () => {
      assert.equal((await authz.authorize(agent('eu1'), attrs)).allowed, false);
    });
  }

  it('denies everything to a cluster the hub no longer knows (unjoined)', async () => {
    for (const [, attrs] of allowed) {
      const ns = attrs.namespace === OWN ? 'edgefed-cluster-gone' : attrs.namespace;
      const name = attrs.name === 'eu1' ? 'gone' : attrs.name;
      const d = await authz.authorize(agent('gone'), { ...attrs, namespace: ns, name });
      assert.equal(d.allowed, false);
      assert.match(d.reason ?? '', /not joined/);
    }
  });

  it('is only about agent identities', async () => {
    const attrs = works('get', OWN, 'w1');
    // The right CN without the group, the group with another CN, an admin: not this authorizer's to allow.
    for (const user of [
      { name: `${AGENT_CN_PREFIX}eu1`, groups: ['system:authenticated'] },
      { name: 'eu1', groups: [AGENT_GROUP] },
      { name: AGENT_CN_PREFIX, groups: [AGENT_GROUP] },
      { name: 'edgefed-admin', groups: ['system:masters'] },
    ])
      assert.equal((await authz.authorize(user, attrs)).allowed, false, user.name);
    assert.equal(agentCluster(agent('eu1')), 'eu1');
    assert.equal(agentCluster({ name: AGENT_CN_PREFIX, groups: [AGENT_GROUP] }), undefined);
  });

  it('asks about the cluster the certificate names, not the one in the request', async () => {
    const asked: string[] = [];
    const a = agentAuthorizer((n) => (asked.push(n), true));
    await a.authorize(agent('eu1'), works('get', OTHER, 'w1'));
    assert.deepEqual(asked, ['eu1']);
  });

  it('refuses a certificate for a key the cluster is no longer bound to, when the key is known', async () => {
    const a = agentAuthorizer(
      (n) => known.has(n),
      (n) => (n === 'eu1' ? 'new-key' : undefined),
    );
    const withKey = (key: string) => ({ ...agent('eu1'), extra: { [AGENT_KEY_EXTRA]: [key] } });
    const attrs = works('get', OWN, 'w1');
    assert.equal((await a.authorize(withKey('new-key'), attrs)).allowed, true);
    const old = await a.authorize(withKey('old-key'), attrs);
    assert.equal(old.allowed, false);
    assert.match(old.reason ?? '', /another key/);
    // No key reported by the authenticator, or none recorded (hand-registered): name and group decide.
    assert.equal((await a.authorize(agent('eu1'), attrs)).allowed, true);
    assert.equal(
      (await a.authorize({ ...agent('us1'), extra: { [AGENT_KEY_EXTRA]: ['x'] } }, works('get', OTHER, 'w')))
        .allowed,
      true,
    );
  });
});
