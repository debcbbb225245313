/**
 * Joining clusters against a real hub process: bootstrap tokens from the CLI, registration over
 * raw HTTPS (as an agent does it), what an agent certificate may do, renewal with key rotation,
 * heartbeat health, and unjoin.
 *
 * Needs hub/hub.ts to wire registerJoinRoutes + agentAuthorizer and the ControllerManager to run
 * ClusterHealthController; the heartbeat threshold comes from EDGEFED_HEARTBEAT_THRESHOLD.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createHash, webcrypto } from 'node:crypto';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import {
  AGENT_CN_PREFIX,
  AGENT_GROUP,
  AGENT_KEY_ANNOTATION,
  CA_PATH,
  HEARTBEAT_LEASE,
  REGISTER_PATH,
  RENEW_PATH,
  type RegisterRequest,
  type RegisterResponse,
} from '../../api/protocol.js';
import type { KubeObject } from '../../api/kubernetes.js';
import type { KubeFedCluster } from '../../api/federation.js';
import { caCertHash } from '../../pki/pki.js';
import {
  ROOT,
  cleanup,
  request,
  startHub,
  waitFor,
  type HubProcess,
  type RawResponse,
} from '../helpers/hub.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const BIN = join(ROOT, 'bin', 'edgefed');
const KFC = '/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters';
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const THRESHOLD_SECONDS = 3;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function edgefed(hub: HubProcess, args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args, '--kubeconfig', hub.kubeconfig], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function edgefedOk(hub: HubProcess, args: string[]): string {
  const r = edgefed(hub, args);
  if (r.code !== 0)
    throw new Error(`edgefed ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

interface AgentKey {
  csr: string;
  /** PKCS#8 PEM, for the TLS client. */
  key: string;
  /** Hex sha256 of the SPKI: what the hub records in AGENT_KEY_ANNOTATION. */
  hash: string;
}

async function agentKey(subject = 'CN=ignored-by-the-hub, O=system:masters'): Promise<AgentKey> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subject,
    keys: keys as unknown as Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]['keys'],
    signingAlgorithm: ALG,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  return {
    csr: csr.toString('pem'),
    key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`,
    hash: createHash('sha256').update(spki).digest('hex'),
  };
}

/** No client certificate (an agent before it joined). */
const ANONYMOUS = { cert: undefined, key: undefined };

function register(hub: HubProcess, token: string, body: Partial<RegisterRequest>): Promise<RawResponse> {
  return request(hub, 'POST', REGISTER_PATH, body, { authorization: `Bearer ${token}` }, ANONYMOUS);
}

/** Requests with an agent's client certificate. */
function asAgent(hub: HubProcess, cert: string, key: string) {
  return (method: string, path: string, body?: object, contentType?: string) =>
    request(hub, method, path, body, contentType ? { 'content-type': contentType } : {}, { cert, key });
}

async function exists(hub: HubProcess, path: string): Promise<boolean> {
  const r = await request(hub, 'GET', path);
  if (r.status === 404) return false;
  if (r.status === 200) return true;
  throw new Error(`GET ${path}: ${r.status} ${r.body}`);
}

async function assertNothingCreated(hub: HubProcess, name: string): Promise<void> {
  assert.equal(await exists(hub, `${KFC}/${name}`), false, `KubeFedCluster ${name} must not exist`);
  assert.equal(
    await exists(hub, `/api/v1/namespaces/edgefed-cluster-${name}`),
    false,
    `namespace edgefed-cluster-${name} must not exist`,
  );
}

async function cluster(hub: HubProcess, name: string): Promise<KubeFedCluster> {
  return (await request(hub, 'GET', `${KFC}/${name}`)).json<KubeFedCluster>();
}

function readyOf(c: KubeFedCluster) {
  return (c.status?.conditions ?? []).find((x) => x.type === 'Ready');
}

const microNow = () => new Date().toISOString().replace('Z', '000Z');

describe('joining clusters (real hub: tokens, registration, agent identity, health, unjoin)', function () {
  this.timeout(180_000);
  let hub: HubProcess;
  let token: string;
  let joinHash: string;
  let eu1: AgentKey;
  let eu1Cert: string;

  before(async () => {
    const saved = process.env.EDGEFED_HEARTBEAT_THRESHOLD;
    process.env.EDGEFED_HEARTBEAT_THRESHOLD = String(THRESHOLD_SECONDS);
    try {
      hub = await startHub();
    } finally {
      if (saved === undefined) delete process.env.EDGEFED_HEARTBEAT_THRESHOLD;
      else process.env.EDGEFED_HEARTBEAT_THRESHOLD = saved;
    }
  });
  after(async () => {
    await hub?.stop();
    if (hub) cleanup(hub.dataDir);
  });

  it('creates a token and prints the join command (CLI)', () => {
    const out = edgefedOk(hub, [
      'token',
      'create',
      '--labels',
      'region=eu,zone=eu-1',
      '--description',
      'eu sites',
      '--print-join-command',
    ]).trim();
    const m =
      /^edgefed agent join --hub (\S+) --token ([a-z0-9]{6}\.[a-z0-9]{16}) --discovery-token-ca-cert-hash (sha256:[0-9a-f]{64}) --name <CLUSTER-NAME> --data-dir <DIR>$/.exec(
        out,
      );
    assert.ok(m, out);
    assert.equal(m[1], hub.url);
    token = m[2];
    joinHash = m[3];
    assert.equal(joinHash, caCertHash(hub.tls.ca));
    // A plain create prints just the token.
    assert.match(edgefedOk(hub, ['token', 'create', '--ttl', '1h']).trim(), /^[a-z0-9]{6}\.[a-z0-9]{16}$/);

    const list = edgefedOk(hub, ['token', 'list']);
    assert.match(list, /^TOKEN-ID\s+EXPIRES\s+LABELS\s+DESCRIPTION/);
    assert.match(
      list,
      new RegExp(`^${token.split('.')[0]}\\s+\\S+\\s+region=eu,zone=eu-1\\s+eu sites$`, 'm'),
    );
    assert.ok(!list.includes(token.split('.')[1]), 'token list must never show the secret');
  });

  it('joins a cluster: CA by hash, register with token + CSR → a client certificate', async () => {
    // The agent fetches the CA without trusting anything yet, then checks it against the hash.
    const caRes = await request(
      hub,
      'GET',
      CA_PATH,
      undefined,
      {},
      { ...ANONYMOUS, ca: undefined, rejectUnauthorized: false },
    );
    assert.equal(caRes.status, 200);
    assert.match(String(caRes.headers['content-type']), /^text\/plain/);
    assert.equal(caCertHash(caRes.body), joinHash);

    eu1 = await agentKey();
    const res = await register(hub, token, {
      cluster: 'eu1',
      csr: eu1.csr,
      labels: { tier: 'edge', region: 'us' },
      kubernetesVersion: 'v1.31.2',
    });
    assert.equal(res.status, 200, res.body);
    const body = res.json<RegisterResponse>();
    assert.equal(body.cluster, 'eu1');
    assert.equal(body.namespace, 'edgefed-cluster-eu1');
    assert.equal(body.ca, caRes.body);
    assert.ok(!body.pending);
    eu1Cert = String(body.certificate);
    const cert = new X509Certificate(eu1Cert);
    assert.match(cert.subject, new RegExp(`CN=${AGENT_CN_PREFIX}eu1`));
    assert.match(cert.subject, new RegExp(`O=${AGENT_GROUP}`));
    assert.doesNotMatch(cert.subject, /system:masters|ignored-by-the-hub/);
    assert.ok(cert.verify(new X509Certificate(hub.tls.ca).publicKey), 'signed by the hub CA');
    assert.ok(cert.checkIssued(new X509Certificate(hub.tls.ca)));
    assert.equal(
      createHash('sha256')
        .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
        .digest('hex'),
      eu1.hash,
    );
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 360 && days < 366, `valid for ${days} days`);
    assert.ok(
      new x509.X509Certificate(eu1Cert)
        .getExtension(x509.ExtendedKeyUsageExtension)
        ?.usages.includes(x509.ExtendedKeyUsage.clientAuth),
    );

    const c = await cluster(hub, 'eu1');
    // Token labels win over what the agent asks for.
    assert.deepEqual(c.metadata.labels, { region: 'eu', zone: 'eu-1', tier: 'edge' });
    assert.equal(c.metadata.annotations?.[AGENT_KEY_ANNOTATION], eu1.hash);
    assert.equal(c.metadata.annotations?.['edgefed.io/accepted'], undefined);
    assert.equal(c.status?.kubernetesVersion, 'v1.31.2');
    assert.equal(c.status?.region, 'eu');
    assert.deepEqual(c.status?.zones, ['eu-1']);
    const ns = (await request(hub, 'GET', '/api/v1/namespaces/edgefed-cluster-eu1')).json<KubeObject>();
    assert.equal(ns.metadata.labels?.['edgefed.io/cluster'], 'eu1');
  });

  it('registers again with the same key (agent restart) and gets a fresh certificate', async () => {
    const res = await register(hub, token, { cluster: 'eu1', csr: eu1.csr });
    assert.equal(res.status, 200, res.body);
    assert.equal((await cluster(hub, 'eu1')).metadata.annotations?.[AGENT_KEY_ANNOTATION], eu1.hash);
  });

  it('clusters accept: says so for an accepted cluster, errors for an unknown one', () => {
    assert.match(edgefedOk(hub, ['clusters', 'accept', 'eu1']), /already accepted/);
    const r = edgefed(hub, ['clusters', 'accept', 'nosuch']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cluster "nosuch" not found/);
  });

  describe('refusals leave nothing behind', () => {
    it('refuses a wrong token (401)', async () => {
      const k = await agentKey();
      const unknownId = await register(hub, 'zzzzzz.0123456789abcdef', { cluster: 'nope1', csr: k.csr });
      assert.equal(unknownId.status, 401);
      assert.equal(unknownId.json().kind, 'Status');
      assert.equal(unknownId.json().message, 'bootstrap token not found (deleted?)');
      const wrongSecret = await register(hub, `${token.split('.')[0]}.aaaaaaaaaaaaaaaa`, {
        cluster: 'nope1',
        csr: k.csr,
      });
      assert.equal(wrongSecret.status, 401);
      const malformed = await register(hub, 'not-a-token', { cluster: 'nope1', csr: k.csr });
      assert.equal(malformed.status, 401);
      assert.match(String(malformed.json().message), /^malformed token/);
      const none = await request(hub, 'POST', REGISTER_PATH, { cluster: 'nope1', csr: k.csr }, {}, ANONYMOUS);
      assert.equal(none.status, 401);
      await assertNothingCreated(hub, 'nope1');
    });

    it('refuses an expired token (401 "bootstrap token expired")', async () => {
      const t = edgefedOk(hub, ['token', 'create', '--ttl', '1s']).trim();
      await new Promise((r) => setTimeout(r, 2100));
      const res = await register(hub, t, { cluster: 'nope2', csr: (await agentKey()).csr });
      assert.equal(res.status, 401, res.body);
      assert.deepEqual(
        { reason: res.json().reason, message: res.json().message, code: res.json().code },
        { reason: 'Unauthorized', message: 'bootstrap token expired', code: 401 },
      );
      assert.match(
        edgefedOk(hub, ['token', 'list']),
        new RegExp(`^${t.split('.')[0]}\\s+\\S+ \\(expired\\)`, 'm'),
      );
      await assertNothingCreated(hub, 'nope2');
    });

    it('refuses a deleted token (401 "not found (deleted?)")', async () => {
      const t = edgefedOk(hub, ['token', 'create']).trim();
      assert.match(edgefedOk(hub, ['token', 'delete', t.split('.')[0]]), /deleted/);
      const res = await register(hub, t, { cluster: 'nope3', csr: (await agentKey()).csr });
      assert.equal(res.status, 401);
      assert.equal(res.json().message, 'bootstrap token not found (deleted?)');
      assert.doesNotMatch(edgefedOk(hub, ['token', 'list']), new RegExp(t.split('.')[0]));
      const again = edgefed(hub, ['token', 'delete', t.split('.')[0]]);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /not found/);
      await assertNothingCreated(hub, 'nope3');
    });

    it('refuses a name already joined with another key (409) and changes nothing', async () => {
      const before = await cluster(hub, 'eu1');
      const res = await register(hub, token, { cluster: 'eu1', csr: (await agentKey()).csr });
      assert.equal(res.status, 409, res.body);
      assert.equal(
        res.json().message,
        'cluster "eu1" is already joined with another key; remove it first (edgefed unjoin eu1)',
      );
      const after = await cluster(hub, 'eu1');
      assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    });

    it('refuses a bad name (422) and a bad CSR (400)', async () => {
      const k = await agentKey();
      const badName = await register(hub, token, { cluster: 'Not_A_Label', csr: k.csr });
      assert.equal(badName.status, 422, badName.body);
      assert.equal(badName.json().reason, 'Invalid');
      const badCsr = await register(hub, token, { cluster: 'nope4', csr: 'garbage' });
      assert.equal(badCsr.status, 400, badCsr.body);
      const tampered = k.csr.replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA');
      const badSig = await register(hub, token, { cluster: 'nope4', csr: tampered });
      assert.equal(badSig.status, 400, badSig.body);
      await assertNothingCreated(hub, 'nope4');
    });
  });

  describe('what an agent certificate may do', () => {
    it('reads its own Works, nothing of another cluster, no secrets, no cluster list', async () => {
      const agent = asAgent(hub, eu1Cert, eu1.key);
      const own = await agent('GET', '/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-eu1/works');
      assert.equal(own.status, 200, own.body);
      const other = await agent('GET', '/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-us1/works');
      assert.equal(other.status, 403);
      assert.equal(
        other.json().message,
        'works.edgefed.io is forbidden: User "edgefed:cluster:eu1" cannot list resource "works" in API group "edgefed.io" in the namespace "edgefed-cluster-us1"',
      );
      assert.equal((await agent('GET', '/api/v1/namespaces/edgefed-cluster-eu1/secrets')).status, 403);
      assert.equal((await agent('GET', '/api/v1/namespaces/kube-system/secrets')).status, 403);
      assert.equal((await agent('GET', KFC)).status, 403);
      assert.equal((await agent('GET', '/apis/edgefed.io/v1alpha1/works')).status, 403);
      // Discovery stays open to any authenticated user.
      assert.equal((await agent('GET', '/apis')).status, 200);
    });

    it("updates its own KubeFedCluster's status, not its spec or labels", async () => {
      const agent = asAgent(hub, eu1Cert, eu1.key);
      const st = await agent(
        'PATCH',
        `${KFC}/eu1/status`,
        { status: { kubernetesVersion: 'v1.31.3' } },
        'application/merge-patch+json',
      );
      assert.equal(st.status, 200, st.body);
      assert.equal((await cluster(hub, 'eu1')).status?.kubernetesVersion, 'v1.31.3');
      const labels = await agent(
        'PATCH',
        `${KFC}/eu1`,
        { metadata: { labels: { region: 'anywhere' } } },
        'application/merge-patch+json',
      );
      assert.equal(labels.status, 403);
    });

    it('renews its certificate with a new key; the cluster follows the new key', async () => {
      const next = await agentKey();
      const res = await request(
        hub,
        'POST',
        RENEW_PATH,
        { csr: next.csr },
        {},
        { cert: eu1Cert, key: eu1.key },
      );
      assert.equal(res.status, 200, res.body);
      const body = res.json<RegisterResponse>();
      assert.match(new X509Certificate(String(body.certificate)).subject, /CN=edgefed:cluster:eu1/);
      assert.equal((await cluster(hub, 'eu1')).metadata.annotations?.[AGENT_KEY_ANNOTATION], next.hash);
      // The old key can no longer rotate to yet another key.
      const third = await agentKey();
      const stale = await request(
        hub,
        'POST',
        RENEW_PATH,
        { csr: third.csr },
        {},
        { cert: eu1Cert, key: eu1.key },
      );
      assert.equal(stale.status, 403, stale.body);
      // Without a client certificate: 401.
      const anon = await request(hub, 'POST', RENEW_PATH, { csr: third.csr }, {}, ANONYMOUS);
      assert.equal(anon.status, 401);
      // The admin is not an agent.
      const admin = await request(hub, 'POST', RENEW_PATH, { csr: third.csr });
      assert.equal(admin.status, 403);
      eu1 = next;
      eu1Cert = String(body.certificate);
      assert.equal((await asAgent(hub, eu1Cert, eu1.key)('GET', `${KFC}/eu1/status`)).status, 200);
    });
  });

  describe('health from heartbeats', () => {
    it('a joined cluster whose agent never connected is not Ready', async () => {
      const c = await waitFor('eu1 to get a Ready condition', async () => readyOf(await cluster(hub, 'eu1')));
      assert.equal(c.status, 'False');
      assert.equal(c.reason, 'AgentNeverConnected');
    });

    it('heartbeat → Ready; silence → NotReady within the threshold', async () => {
      const agent = asAgent(hub, eu1Cert, eu1.key);
      const leasePath = `/apis/coordination.k8s.io/v1/namespaces/edgefed-cluster-eu1/leases`;
      const created = await agent('POST', leasePath, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: HEARTBEAT_LEASE, namespace: 'edgefed-cluster-eu1' },
        spec: { holderIdentity: 'eu1-agent', leaseDurationSeconds: 10, renewTime: microNow() },
      });
      assert.equal(created.status, 201, created.body);
      // Renew a couple of times, as the agent does.
      let lease = created.json<KubeObject & { spec: { renewTime: string } }>();
      const renew = async () => {
        lease.spec.renewTime = microNow();
        const r = await agent('PUT', `${leasePath}/${HEARTBEAT_LEASE}`, lease);
        assert.equal(r.status, 200, r.body);
        lease = r.json();
      };
      await renew();
      const ready = await waitFor(
        'eu1 Ready',
        async () => {
          const c = await cluster(hub, 'eu1');
          return readyOf(c)?.status === 'True' ? c : undefined;
        },
        10_000,
      );
      assert.equal(readyOf(ready)?.reason, 'ClusterReady');
      assert.equal(ready.status?.conditions?.find((x) => x.type === 'Offline')?.status, 'False');
      assert.ok((ready.status as { lastHeartbeatTime?: string }).lastHeartbeatTime);
      await renew();
      const table = edgefedOk(hub, ['clusters']);
      assert.match(table, /^NAME\s+STATUS\s+REGION\s+ZONE\s+KUBERNETES-VERSION\s+LAST-HEARTBEAT\s+WORKS$/m);
      assert.match(table, /^eu1\s+Ready\s+eu\s+eu-1\s+v1\.31\.3\s+\d+s ago\s+0$/m);

      const silentSince = Date.now();
      const down = await waitFor(
        'eu1 NotReady',
        async () => {
          const c = await cluster(hub, 'eu1');
          return readyOf(c)?.status === 'False' ? c : undefined;
        },
        (THRESHOLD_SECONDS + 2) * 1000 + 3000,
      );
      const took = (Date.now() - silentSince) / 1000;
      assert.ok(took <= THRESHOLD_SECONDS + 2 + 1.5, `went NotReady after ${took}s`);
      assert.equal(readyOf(down)?.reason, 'ClusterNotReachable');
      assert.match(String(readyOf(down)?.message), /^no heartbeat since \d{4}-\d\d-\d\dT/);
      assert.equal(down.status?.conditions?.find((x) => x.type === 'Offline')?.status, 'True');
      assert.match(edgefedOk(hub, ['clusters']), /^eu1\s+NotReady\s/m);

      // Back: the transition is recorded; a steady state writes nothing more.
      await renew();
      const back = await waitFor('eu1 Ready again', async () => {
        const c = await cluster(hub, 'eu1');
        return readyOf(c)?.status === 'True' ? c : undefined;
      });
      // Heartbeats keep coming; the cluster's object is not rewritten for each.
      for (let i = 0; i < 3; i++) {
        await renew();
        await new Promise((r) => setTimeout(r, 1000));
      }
      const later = await cluster(hub, 'eu1');
      assert.equal(
        later.metadata.resourceVersion,
        back.metadata.resourceVersion,
        'no write per heartbeat or tick',
      );
    });

    it('leaves a hand-registered cluster marked edgefed.io/health=manual alone', async () => {
      const res = await request(hub, 'POST', KFC, {
        apiVersion: 'core.kubefed.io/v1beta1',
        kind: 'KubeFedCluster',
        metadata: {
          name: 'standin',
          namespace: 'kube-federation-system',
          annotations: { 'edgefed.io/health': 'manual' },
        },
        spec: {},
      });
      assert.equal(res.status, 201, res.body);
      const cur = await cluster(hub, 'standin');
      const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const put = await request(hub, 'PUT', `${KFC}/standin/status`, {
        ...cur,
        status: {
          conditions: [{ type: 'Ready', status: 'True', reason: 'ClusterReady', lastTransitionTime: t }],
        },
      });
      assert.equal(put.status, 200, put.body);
      await new Promise((r) => setTimeout(r, (THRESHOLD_SECONDS + 3) * 1000));
      assert.equal(readyOf(await cluster(hub, 'standin'))?.status, 'True');
      assert.match(edgefedOk(hub, ['clusters']), /^standin\s+Ready\s/m);
    });
  });

  describe('unjoin', () => {
    it('removes the cluster; its certificate is refused; its namespace goes', async () => {
      const agent = asAgent(hub, eu1Cert, eu1.key);
      const out = edgefedOk(hub, ['unjoin', 'eu1']);
      assert.match(out, /cluster "eu1" unjoined/);
      assert.match(out, /edgefed-cluster-eu1/);
      assert.equal(await exists(hub, `${KFC}/eu1`), false);
      await waitFor('the agent certificate to be refused', async () => {
        const r = await agent('GET', '/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-eu1/works');
        return r.status === 403 ? true : undefined;
      });
      const renew = await request(
        hub,
        'POST',
        RENEW_PATH,
        { csr: (await agentKey()).csr },
        {},
        { cert: eu1Cert, key: eu1.key },
      );
      assert.equal(renew.status, 403);
      await waitFor(
        'namespace edgefed-cluster-eu1 to go',
        async () => ((await exists(hub, '/api/v1/namespaces/edgefed-cluster-eu1')) ? undefined : true),
        30_000,
      );
      const again = edgefed(hub, ['unjoin', 'eu1']);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /cluster "eu1" not found/);
    });

    it('lets the name join again with a new key', async () => {
      const k = await agentKey();
      const res = await register(hub, token, { cluster: 'eu1', csr: k.csr });
      assert.equal(res.status, 200, res.body);
      assert.equal((await cluster(hub, 'eu1')).metadata.annotations?.[AGENT_KEY_ANNOTATION], k.hash);
    });
  });
});
