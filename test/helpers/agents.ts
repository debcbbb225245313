/**
 * Helpers for the integration tests that drive the member side with real processes: the built
 * `edgefed` CLI run to completion, bootstrap tokens, `edgefed agent join`, `edgefed agent run` as a
 * child process, and the hub's view of a joined cluster (its KubeFedCluster). The CLI is the built
 * one (bin/edgefed → dist), so `tsc` must have run. Not a test file itself (no .test.ts).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeFedCluster } from '../../api/federation.js';
import { ROOT, request, waitFor, type HubProcess } from './hub.js';

const BIN = join(ROOT, 'bin', 'edgefed');
const KFC = '/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters';

/** What the API helpers need of a hub (or host API, or gateway): its URL and admin credentials. */
type Api = Pick<HubProcess, 'url' | 'tls'>;

export interface EdgefedResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `edgefed <args>` to completion; a run that outlives the timeout is killed (code -1). */
export function edgefed(args: string[], opts: { timeoutMs?: number } = {}): EdgefedResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** `{a: 'x', b: 'y'}` → `a=x,b=y`, as `--labels` takes them. */
function labelsArg(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export interface JoinToken {
  token: string;
  /** `sha256:<hex>` of the hub CA, as `--discovery-token-ca-cert-hash` takes it. */
  caHash: string;
  /** Everything `token create --print-join-command` printed. */
  joinCommand: string;
}

/** `edgefed token create --print-join-command`, which must succeed; the token and CA hash parsed. */
export function createJoinToken(
  kubeconfig: string,
  opts: { ttl?: string; labels?: Record<string, string> } = {},
): JoinToken {
  const r = edgefed([
    'token',
    'create',
    '--kubeconfig',
    kubeconfig,
    ...(opts.ttl ? ['--ttl', opts.ttl] : []),
    ...(opts.labels ? ['--labels', labelsArg(opts.labels)] : []),
    '--print-join-command',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const token = /--token (\S+)/.exec(r.stdout)?.[1];
  const caHash = /--discovery-token-ca-cert-hash (\S+)/.exec(r.stdout)?.[1];
  assert.ok(token && caHash, `no --token / --discovery-token-ca-cert-hash in:\n${r.stdout}`);
  return { token, caHash, joinCommand: r.stdout };
}

export interface JoinOptions {
  /** The URL the agent dials: a hub, a load balancer, a gateway. */
  hub: string;
  token: string;
  caHash: string;
  name: string;
  dataDir: string;
  labels?: Record<string, string>;
}

/** The arguments of `edgefed agent join` (for a join that is expected to fail, run with edgefed()). */
export function agentJoinArgs(o: JoinOptions): string[] {
  return [
    'agent',
    'join',
    '--hub',
    o.hub,
    '--token',
    o.token,
    '--discovery-token-ca-cert-hash',
    o.caHash,
    '--name',
    o.name,
    '--data-dir',
    o.dataDir,
    ...(o.labels ? ['--labels', labelsArg(o.labels)] : []),
  ];
}

/** `edgefed agent join`, which must succeed. */
export function joinAgent(o: JoinOptions): EdgefedResult {
  const r = edgefed(agentJoinArgs(o));
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return r;
}

/** An edge site: the agent runs the workloads itself, in containers on `engine`. */
export interface EdgeSite {
  runtime: 'edge';
  /** unix:///…sock of a Docker-compatible engine, or `simulated`. */
  engine: string;
  nodeIp: string;
  /** The first crash-loop back-off (`--crash-backoff`). */
  crashBackoff?: string;
}

export interface AgentOptions {
  /** The directory `agent join` wrote. */
  dataDir: string;
  /** A member kubeconfig (runtime kubernetes), or an edge site. */
  member: string | EdgeSite;
  /** Durations as the CLI takes them (`1s`); the CLI's defaults where left out. */
  intervals?: { heartbeat?: string; status?: string; resync?: string };
  /** Default `warn`. */
  logLevel?: string;
  extraArgs?: string[];
}

export interface AgentProcess {
  proc: ChildProcess;
  /** Everything the agent wrote, stdout and stderr. */
  logs(): string;
  /** Waits until the output matches; on timeout the error carries the output. */
  waitForLog(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Signals the agent (SIGKILL unless told) and resolves once it has exited; other signals are followed by SIGKILL after 10 s. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `edgefed agent run` as a child process (it does not wait for the agent to connect). */
export function spawnAgent(o: AgentOptions): AgentProcess {
  const member =
    typeof o.member === 'string'
      ? ['--kubeconfig', o.member]
      : [
          '--runtime',
          o.member.runtime,
          '--engine',
          o.member.engine,
          '--node-ip',
          o.member.nodeIp,
          ...(o.member.crashBackoff ? ['--crash-backoff', o.member.crashBackoff] : []),
        ];
  const { heartbeat, status, resync } = o.intervals ?? {};
  const proc = spawn(
    process.execPath,
    [
      BIN,
      'agent',
      'run',
      '--data-dir',
      o.dataDir,
      ...member,
      ...(heartbeat ? ['--heartbeat-interval', heartbeat] : []),
      ...(status ? ['--status-interval', status] : []),
      ...(resync ? ['--resync', resync] : []),
      '--log-level',
      o.logLevel ?? 'warn',
      ...(o.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    logs: () => out,
    async waitForLog(pattern, timeoutMs) {
      await waitFor(`agent output ${pattern}`, () => (pattern.test(out) ? true : undefined), timeoutMs).catch(
        (e: unknown) => {
          throw new Error(`${(e as Error).message}\n${out}`);
        },
      );
    },
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The client certificate and key `agent join` stored in its data directory. */
export function agentCredentials(dataDir: string): { cert: string; key: string } {
  return {
    cert: readFileSync(join(dataDir, 'pki', 'agent.crt'), 'utf8'),
    key: readFileSync(join(dataDir, 'pki', 'agent.key'), 'utf8'),
  };
}

/** `edgefed kubeconfig <cluster> --out <out>` (the member through the hub's proxy), which must succeed. */
export function clusterKubeconfig(hubKubeconfig: string, cluster: string, out: string): string {
  const r = edgefed(['kubeconfig', cluster, '--kubeconfig', hubKubeconfig, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

/** The KubeFedCluster `name`, read as admin. */
export async function getCluster(hub: Api, name: string): Promise<KubeFedCluster> {
  return (await request(hub, 'GET', `${KFC}/${name}`)).json<KubeFedCluster>();
}

/** The status of the cluster's Ready condition: 'True', 'False', or undefined while it has none. */
export async function clusterReady(hub: Api, name: string): Promise<string | undefined> {
  return (await getCluster(hub, name)).status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

/**
 * Waits until every named cluster is Ready True, within timeoutMs for all of them together; on
 * timeout the error shows each cluster's last Ready status, and `detail()` (agent logs, say).
 */
export async function waitClustersReady(
  hub: Api,
  names: string[],
  timeoutMs: number,
  detail?: () => string,
): Promise<void> {
  let seen: Record<string, string> = {};
  await waitFor(
    `${names.join(', ')} Ready`,
    async () => {
      const statuses = await Promise.all(names.map(async (n) => [n, await clusterReady(hub, n)] as const));
      seen = Object.fromEntries(statuses.map(([n, s]) => [n, s ?? 'no condition']));
      return statuses.every(([, s]) => s === 'True') ? true : undefined;
    },
    timeoutMs,
  ).catch((e: unknown) => {
    throw new Error(
      `${(e as Error).message}; last Ready statuses ${JSON.stringify(seen)}${detail ? `\n${detail()}` : ''}`,
    );
  });
}
