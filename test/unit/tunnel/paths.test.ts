import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { tunnelUrl } from '../../../agent/tunnel/client.js';
import { memberKubeconfig } from '../../../cli/commands/kubeconfig.js';
import { parseProxyUrl } from '../../../hub/tunnel/proxy.js';

interface Doc {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, string> }[];
  'current-context': string;
}

const HUB = yaml.dump({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [
    {
      name: 'edgefed',
      cluster: { server: 'https://hub.example:6443/', 'certificate-authority': 'pki/ca.crt' },
    },
    { name: 'other', cluster: { server: 'https://other:6443' } },
  ],
  users: [
    { name: 'admin', user: { 'client-certificate': 'pki/admin.crt', 'client-key': '/abs/admin.key' } },
    {
      name: 'sso',
      user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'login-helper' } },
    },
  ],
  contexts: [
    { name: 'hub', context: { cluster: 'edgefed', user: 'admin', namespace: 'kube-federation-system' } },
    { name: 'hub-sso', context: { cluster: 'edgefed', user: 'sso' } },
  ],
  'current-context': 'hub',
});

describe('tunnel/paths', () => {
  it('parseProxyUrl splits cluster, member path (raw) and query', () => {
    assert.deepEqual(parseProxyUrl('/clusters/c1/proxy/api/v1/pods?watch=1&labelSelector=a%3Db'), {
      cluster: 'c1',
      path: '/api/v1/pods',
      query: 'watch=1&labelSelector=a%3Db',
    });
    assert.deepEqual(parseProxyUrl('/clusters/c1/proxy'), { cluster: 'c1', path: '/', query: '' });
    assert.deepEqual(parseProxyUrl('/clusters/edge.site-1/proxy/'), {
      cluster: 'edge.site-1',
      path: '/',
      query: '',
    });
    assert.equal(parseProxyUrl('/clusters/c1/proxyx/api'), undefined);
    assert.equal(parseProxyUrl('/clusters//proxy/api'), undefined);
    assert.equal(parseProxyUrl('/api/v1'), undefined);
  });

  it('tunnelUrl turns the hub URL into the wss tunnel endpoint', () => {
    assert.equal(tunnelUrl('https://hub:6443'), 'wss://hub:6443/edgefed/v1/tunnel');
    assert.equal(tunnelUrl('https://hub:6443/prefix/'), 'wss://hub:6443/prefix/edgefed/v1/tunnel');
    assert.equal(tunnelUrl('wss://[::1]:6443'), 'wss://[::1]:6443/edgefed/v1/tunnel');
  });

  it('memberKubeconfig: server under /clusters/<name>/proxy, same CA and user, paths made absolute', () => {
    const doc = yaml.load(memberKubeconfig(HUB, 'edge-1', { baseDir: '/etc/hub' })) as Doc;
    assert.equal(doc['current-context'], 'edgefed-edge-1');
    assert.deepEqual(doc.clusters, [
      {
        name: 'edgefed-edge-1',
        cluster: {
          server: 'https://hub.example:6443/clusters/edge-1/proxy',
          'certificate-authority': '/etc/hub/pki/ca.crt',
        },
      },
    ]);
    assert.deepEqual(doc.users, [
      {
        name: 'admin',
        user: { 'client-certificate': '/etc/hub/pki/admin.crt', 'client-key': '/abs/admin.key' },
      },
    ]);
    // The hub context's namespace is the hub's, not the member's.
    assert.deepEqual(doc.contexts, [
      { name: 'edgefed-edge-1', context: { cluster: 'edgefed-edge-1', user: 'admin' } },
    ]);
  });

  it('memberKubeconfig keeps exec credentials, honours --context, and rejects bad names', () => {
    const doc = yaml.load(memberKubeconfig(HUB, 'c1', { context: 'hub-sso' })) as Doc;
    assert.equal((doc.users[0].user.exec as { command: string }).command, 'login-helper');
    assert.throws(() => memberKubeconfig(HUB, 'C1/../x'), /invalid cluster name/);
    assert.throws(() => memberKubeconfig(HUB, 'c1', { context: 'nope' }), /context "nope" not found/);
  });
});
