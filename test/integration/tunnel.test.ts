/**
 * The hub→member tunnel end to end: a real hub process (which wires registerTunnel), a real bare
 * API server as the member, and an agent process running the tunnel client (dist/agent/tunnel),
 * dialling out to the hub with an agent certificate. kubectl reaches the member through
 * `edgefed kubeconfig c1`. Each party is its own process, as deployed: the test's synchronous
 * kubectl runs block nothing on the data path.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { WebSocket } from 'ws';
import { AGENT_CN_PREFIX, AGENT_GROUP, TUNNEL_PATH } from '../../api/protocol.js';
import { issue } from '../../pki/pki.js';
import { clusterKubeconfig } from '../helpers/agents.js';
import { addCluster } from '../helpers/federation.js';
import {
  ROOT,
  cleanup,
  kubectl,
  kubectlOk,
  kubectlSpawn,
  request,
  startHub,
  tempDir,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';

/** The agent's tunnel in its own process; prints "connected"/"disconnected" on every change. */
const AGENT_SCRIPT = `
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
const { startTunnel } = await import(process.env.TUNNEL_CLIENT);
const e = process.env;
const kc = new KubeConfig();
kc.loadFromFile(e.MEMBER_KUBECONFIG);
const t = startTunnel({
  hubUrl: e.HUB_URL,
  tls: { ca: readFileSync(e.AGENT_CA, 'utf8'), cert: readFileSync(e.AGENT_CERT, 'utf8'), key: readFileSync(e.AGENT_KEY, 'utf8') },
  member: kc,
  log: pino({ level: e.TUNNEL_LOG || 'warn' }, pino.destination(2)),
});
let last = false;
setInterval(() => {
  const c = t.connected();
  if (c !== last) { last = c; process.stdout.write((c ? 'connected' : 'disconnected') + '\\n'); }
}, 10);
process.once('SIGTERM', () => void t.stop().then(() => process.exit(0)));
`;

interface Agent {
  connected(): boolean;
  stop(): Promise<void>;
  logs(): string;
}

function startAgent(env: Record<string, string>): Agent {
  const proc: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', AGENT_SCRIPT], {
    cwd: ROOT,
    env: { ...process.env, TUNNEL_CLIENT: join(ROOT, 'dist', 'agent', 'tunnel', 'client.js'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let state = false;
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => {
    const lines = d.toString().trim().split('\n');
    state = lines[lines.length - 1] === 'connected';
  });
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    connected: () => state,
    logs: () => stderr,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      state = false;
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Opens the tunnel WebSocket with the given client credentials; resolves with the HTTP status. */
function dialStatus(
  hub: HubProcess,
  tls: { cert?: string; key?: string },
  path: string = TUNNEL_PATH,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(hub.url.replace('https:', 'wss:') + path, { ca: hub.tls.ca, ...tls });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}

describe('tunnel: hub → member through the agent', function () {
  this.timeout(180_000);
  let hub: HubProcess;
  let member: HubProcess;
  let tunnel: Agent | undefined;
  let agentTls: { ca: string; cert: string; key: string };
  let dir: string;
  let viaHub: string;

  const start = (): Agent =>
    startAgent({
      HUB_URL: hub.url,
      MEMBER_KUBECONFIG: member.kubeconfig,
      AGENT_CA: join(dir, 'ca.crt'),
      AGENT_CERT: join(dir, 'agent.crt'),
      AGENT_KEY: join(dir, 'agent.key'),
    });

  before(async () => {
    dir = tempDir('edgefed-tunnel-');
    [hub, member] = await Promise.all([startHub(), startHub({ command: 'apiserver' })]);
    const pki = join(hub.dataDir, 'pki');
    const ca = {
      cert: readFileSync(join(pki, 'ca.crt'), 'utf8'),
      key: readFileSync(join(pki, 'ca.key'), 'utf8'),
    };
    const c = await issue(ca, {
      commonName: `${AGENT_CN_PREFIX}c1`,
      organizations: [AGENT_GROUP],
      usage: 'client',
      days: 1,
    });
    agentTls = { ca: ca.cert, cert: c.cert, key: c.key as string };
    writeFileSync(join(dir, 'ca.crt'), agentTls.ca);
    writeFileSync(join(dir, 'agent.crt'), agentTls.cert);
    writeFileSync(join(dir, 'agent.key'), agentTls.key, { mode: 0o600 });
    // Only clusters joined to the hub may open a tunnel: register c1 as a join would.
    await addCluster(hub, 'c1');
    tunnel = start();
    await waitFor('tunnel connected', () => tunnel?.connected(), 15_000);
    viaHub = clusterKubeconfig(hub.kubeconfig, 'c1', join(dir, 'c1.kubeconfig'));
    // The agent's session is registered on the hub as soon as the upgrade completes.
    await waitFor(
      'proxy answers',
      async () => (await request(hub, 'GET', '/clusters/c1/proxy/version')).status === 200,
      10_000,
    );
  });

  after(async () => {
    await tunnel?.stop();
    await Promise.all([hub?.stop(), member?.stop()]);
    if (dir) cleanup(dir);
    for (const h of [hub, member]) if (h) cleanup(h.dataDir);
  });

  it('edgefed kubeconfig points at <hub>/clusters/c1/proxy with the hub CA and the same user', () => {
    const kc = new KubeConfig();
    kc.loadFromFile(viaHub);
    assert.equal(kc.currentContext, 'edgefed-c1');
    assert.equal(kc.getCurrentCluster()?.server, `${hub.url}/clusters/c1/proxy`);
    const hubKc = new KubeConfig();
    hubKc.loadFromFile(hub.kubeconfig);
    assert.equal(kc.getCurrentCluster()?.caData, hubKc.getCurrentCluster()?.caData);
    assert.equal(kc.getCurrentUser()?.certData, hubKc.getCurrentUser()?.certData);
  });

  it('kubectl get ns / api-resources / explain reach the member, discovery and OpenAPI included', () => {
    const ns = kubectlOk(viaHub, ['get', 'ns', '-o', 'name']).split('\n').filter(Boolean).sort();
    const direct = kubectlOk(member.kubeconfig, ['get', 'ns', '-o', 'name'])
      .split('\n')
      .filter(Boolean)
      .sort();
    assert.deepEqual(ns, direct);
    // The hub has kube-federation-system; the member does not: this list is the member's.
    assert.ok(!ns.includes('namespace/kube-federation-system'), ns.join(' '));
    assert.ok(kubectlOk(hub.kubeconfig, ['get', 'ns', '-o', 'name']).includes('kube-federation-system'));
    const groups = kubectlOk(viaHub, ['api-resources', '-o', 'name']);
    assert.match(groups, /^configmaps$/m);
    assert.doesNotMatch(groups, /kubefed\.io/, 'the member has no federation CRDs');
    // OpenAPI v3 (/openapi/v3 and its server-relative document URLs) through the tunnel too.
    const explained = kubectlOk(viaHub, ['explain', 'configmap']);
    assert.match(explained, /KIND:\s+ConfigMap[\s\S]*apiVersion\s+<string>/);
    assert.equal(explained, kubectlOk(member.kubeconfig, ['explain', 'configmap']));
  });

  it('reads and writes go through: kubectl get cm -A, create, and a 1 MiB body', async () => {
    kubectlOk(member.kubeconfig, ['create', 'configmap', 'on-member', '-n', 'default', '--from-literal=k=v']);
    const all = kubectlOk(viaHub, ['get', 'configmaps', '-A']);
    assert.match(all, /default\s+on-member\s+1/);
    kubectlOk(viaHub, ['create', 'configmap', 'via-hub', '-n', 'kube-public', '--from-literal=a=b']);
    const created = JSON.parse(
      kubectlOk(member.kubeconfig, ['get', 'cm', 'via-hub', '-n', 'kube-public', '-o', 'json']),
    ) as { data: Record<string, string> };
    assert.deepEqual(created.data, { a: 'b' });
    // A request body four times the tunnel window, under flow control.
    const big = 'x'.repeat(1024 * 1024);
    const r = await request(hub, 'POST', '/clusters/c1/proxy/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big' },
      data: { big },
    });
    assert.equal(r.status, 201, r.body.slice(0, 300));
    const back = await request(member, 'GET', '/api/v1/namespaces/default/configmaps/big');
    assert.equal(back.json<{ data: { big: string } }>().data.big.length, big.length);
  });

  it('kubectl get cm -w through the tunnel shows member events live', async () => {
    /** Open configmap watches on the member, from its metrics. */
    const watchers = async (): Promise<number> => {
      const m = (await request(member, 'GET', '/metrics')).body;
      const line = /^apiserver_registered_watchers\{[^}]*resource="configmaps"[^}]*\} (\d+)/m.exec(m);
      return line ? Number(line[1]) : 0;
    };
    const before = await watchers();
    kubectlOk(member.kubeconfig, ['create', 'configmap', 'watch-seed', '-n', 'kube-node-lease']);
    const w = kubectlSpawn(viaHub, ['get', 'cm', '-n', 'kube-node-lease', '-w']);
    try {
      await waitFor('watch lists the seed', () => w.output().includes('watch-seed'), 20_000);
      await waitFor('the member serves the watch', async () => (await watchers()) === before + 1, 10_000);
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        const name = `live-${i}`;
        const t0 = performance.now();
        const r = await request(member, 'POST', '/api/v1/namespaces/kube-node-lease/configmaps', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name },
        });
        assert.equal(r.status, 201);
        await waitFor(`watch shows ${name}`, () => w.output().includes(name), 10_000, 2);
        latencies.push(performance.now() - t0);
      }
      console.log(
        `      watch event through the tunnel, create on member → printed by kubectl -w: median ${median(latencies).toFixed(0)} ms`,
      );
      assert.equal(w.exitCode, null, 'the watch is still open');
    } finally {
      w.kill();
    }
    // kubectl went away → the hub resets the stream → the agent closes the member's watch.
    await waitFor('the member watch is closed', async () => (await watchers()) === before, 10_000);
  });

  it('only hub admins may proxy: an agent or a plain user gets 403, no certificate 401', async () => {
    const path = '/clusters/c1/proxy/api/v1/namespaces';
    const asAgent = await request(
      hub,
      'GET',
      path,
      undefined,
      {},
      { cert: agentTls.cert, key: agentTls.key },
    );
    assert.equal(asAgent.status, 403, asAgent.body);
    assert.equal(asAgent.json<{ reason: string }>().reason, 'Forbidden');
    const pki = join(hub.dataDir, 'pki');
    const ca = {
      cert: readFileSync(join(pki, 'ca.crt'), 'utf8'),
      key: readFileSync(join(pki, 'ca.key'), 'utf8'),
    };
    const alice = await issue(ca, { commonName: 'alice', organizations: ['dev'], usage: 'client', days: 1 });
    const asAlice = await request(hub, 'GET', path, undefined, {}, { cert: alice.cert, key: alice.key });
    assert.equal(asAlice.status, 403);
    const anon = await request(hub, 'GET', path, undefined, {}, { cert: undefined, key: undefined });
    assert.equal(anon.status, 401);
    // The tunnel endpoint itself takes agent certificates only.
    assert.equal(await dialStatus(hub, { cert: hub.tls.cert, key: hub.tls.key }), 401);
    assert.equal(await dialStatus(hub, { cert: alice.cert, key: alice.key }), 401);
    assert.equal(await dialStatus(hub, {}), 401);
    // Connection upgrades (exec, attach, port-forward) pass through to the member: this plain API
    // server serves no pods/exec, and its 404 comes back as is.
    const exec = '/clusters/c1/proxy/api/v1/namespaces/default/pods/p/exec?command=sh';
    assert.equal(await dialStatus(hub, { cert: hub.tls.cert, key: hub.tls.key }, exec), 404);
    // An unknown cluster through the proxy: 503, not a hang.
    const other = await request(hub, 'GET', '/clusters/nope/proxy/api');
    assert.equal(other.status, 503);
  });

  it('lists 1,000 configmaps through the tunnel (overhead vs direct)', async () => {
    kubectlOk(member.kubeconfig, ['create', 'namespace', 'bench']);
    const names = Array.from({ length: 1000 }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names.slice(i, i + 50).map(async (name) => {
          const r = await request(member, 'POST', '/api/v1/namespaces/bench/configmaps', {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name, labels: { bench: 'yes' } },
            data: { key: 'v'.repeat(200) },
          });
          assert.equal(r.status, 201);
        }),
      );
    }
    const list = '/api/v1/namespaces/bench/configmaps';
    const direct: number[] = [];
    const tunnelled: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 7; i++) {
      let t = performance.now();
      const a = await request(member, 'GET', list);
      direct.push(performance.now() - t);
      t = performance.now();
      const b = await request(hub, 'GET', `/clusters/c1/proxy${list}`);
      tunnelled.push(performance.now() - t);
      assert.equal(b.status, 200);
      assert.equal(b.json<{ items: unknown[] }>().items.length, 1000);
      assert.equal(a.json<{ items: unknown[] }>().items.length, 1000);
      bytes = b.body.length;
    }
    console.log(
      `      list 1,000 configmaps (${(bytes / 1024).toFixed(0)} KiB): direct median ${median(direct).toFixed(1)} ms, ` +
        `through hub+tunnel ${median(tunnelled).toFixed(1)} ms`,
    );
    const t0 = performance.now();
    const got = kubectlOk(viaHub, ['get', 'cm', '-n', 'bench', '--no-headers']).trim().split('\n').length;
    console.log(
      `      kubectl get cm -n bench through the tunnel: ${(performance.now() - t0).toFixed(0)} ms`,
    );
    assert.equal(got, 1000);
  });

  it('a newer session for the same cluster replaces the older one; the older agent comes back', async () => {
    const second = start();
    try {
      await waitFor('second connected', () => second.connected(), 10_000);
      await waitFor('first replaced', () => !tunnel?.connected(), 5_000, 20);
    } finally {
      await second.stop();
    }
    await waitFor('first reconnected', () => tunnel?.connected(), 15_000);
    assert.equal((await request(hub, 'GET', '/clusters/c1/proxy/version')).status, 200);
  });

  it('reconnects within seconds after the hub restarts on the same port', async () => {
    const port = hub.port;
    await hub.stop();
    await waitFor('tunnel notices', () => !tunnel?.connected(), 10_000, 20);
    const down = Date.now();
    hub = await startHub({ dataDir: hub.dataDir, port });
    const up = Date.now();
    await waitFor('tunnel back', () => tunnel?.connected(), 30_000, 20);
    console.log(
      `      hub down ${((up - down) / 1000).toFixed(1)} s; tunnel back ${((Date.now() - up) / 1000).toFixed(1)} s after the hub served`,
    );
    assert.ok(Date.now() - up < 20_000);
    await waitFor(
      'proxy answers again',
      async () => (await request(hub, 'GET', '/clusters/c1/proxy/version')).status === 200,
      10_000,
    );
    assert.match(kubectlOk(viaHub, ['get', 'cm', '-n', 'default']), /on-member/);
  });

  it('503 "cluster c1 is not connected" once the agent stops', async () => {
    await tunnel?.stop();
    tunnel = undefined;
    await waitFor(
      '503',
      async () => (await request(hub, 'GET', '/clusters/c1/proxy/api/v1/namespaces')).status === 503,
      10_000,
    );
    const r = await request(hub, 'GET', '/clusters/c1/proxy/api/v1/namespaces');
    const s = r.json<{ reason: string; message: string; code: number }>();
    assert.equal(s.reason, 'ServiceUnavailable');
    assert.equal(s.message, 'cluster c1 is not connected');
    const k = kubectl(viaHub, ['get', 'ns']);
    assert.notEqual(k.code, 0);
    assert.match(k.stderr, /cluster c1 is not connected/);
  });
});
