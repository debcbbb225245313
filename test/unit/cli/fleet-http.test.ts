import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubTarget } from '../../../cli/commands/fleet-http.js';

describe('fleet view kubeconfig reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefed-fleet-kc-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (
    name: string,
    user: string,
    cluster = 'server: https://hub.example:6443\n      certificate-authority-data: Q0E=',
  ) => {
    const p = join(dir, name);
    writeFileSync(
      p,
      `apiVersion: v1
kind: Config
current-context: one
clusters:
  - name: hub
    cluster:
      ${cluster}
users:
  - name: admin
    user:
${user}
contexts:
  - name: one
    context: {cluster: hub, user: admin}
  - name: two
    context: {cluster: nowhere, user: admin}
`,
    );
    return p;
  };

  it('inline certificates and files relative to the kubeconfig', () => {
    writeFileSync(join(dir, 'client.key'), 'KEY');
    const t = hubTarget(write('a', '      client-certificate-data: Q0VSVA==\n      client-key: client.key'));
    assert.equal(t?.server, 'https://hub.example:6443');
    assert.equal(t?.tls.ca?.toString(), 'CA');
    assert.equal(t?.tls.cert?.toString(), 'CERT');
    assert.equal(t?.tls.key?.toString(), 'KEY');
    assert.equal(t?.tls.rejectUnauthorized, true);
  });

  it('bearer tokens; exec and auth-provider users go through client-node', () => {
    assert.equal(hubTarget(write('b', '      token: abc'))?.token, 'abc');
    assert.equal(
      hubTarget(write('c', '      exec: {command: x, apiVersion: client.authentication.k8s.io/v1}')),
      undefined,
    );
    assert.equal(hubTarget(write('d', '      auth-provider: {name: oidc}')), undefined);
  });

  it('clear errors: missing file, unknown context', () => {
    assert.throws(() => hubTarget(join(dir, 'missing')), /does not exist/);
    assert.throws(() => hubTarget(write('e', '      token: x'), 'nope'), /context "nope" not found/);
  });
});
