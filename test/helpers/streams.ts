/**
 * The rig of the exec/attach/cp/port-forward tests: a hub, one edge site (an `edgefed agent`
 * process with the embedded runtime on podman) joined to it, and kubeconfigs for the site's own
 * API and for the hub's proxy to it. kubectl runs asynchronously with a private cache.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  clusterKubeconfig,
  createJoinToken,
  joinAgent,
  spawnAgent,
  waitClustersReady,
  type AgentProcess,
} from './agents.js';
import { cleanup, startHub, tempDir, waitFor, type HubProcess } from './hub.js';
import { startEtcd } from './etcd.js';
import { removeContainersWithLabel, startPodman, type PodmanService } from './podman.js';

export interface StreamsRig {
  podman: PodmanService;
  hub: HubProcess;
  agent: AgentProcess;
  site: string;
  /** The site API's own admin kubeconfig. */
  atSite: string;
  /** The hub's proxy to the site (`edgefed kubeconfig <site>`). */
  viaHub: string;
  /** With `replicas`: a second hub replica (same etcd, same PKI) the site is not connected to. */
  replicaB?: HubProcess;
  /** The proxy to the site through replica B (forwarded to the replica holding the tunnel). */
  viaReplicaB?: string;
  stop(): Promise<void>;
}

export async function startStreamsRig(
  prefix: string,
  opts: { replicas?: boolean } = {},
): Promise<StreamsRig> {
  const podman = await startPodman();
  const etcd = opts.replicas ? await startEtcd({ members: 1 }) : undefined;
  const pkiDir = opts.replicas ? tempDir('edgefed-streams-pki-') : undefined;
  const replicaArgs = (id: string): string[] =>
    etcd
      ? [
          '--store',
          'etcd',
          '--etcd-endpoints',
          etcd.endpoints.join(','),
          '--replica-id',
          id,
          '--dns-port',
          '0',
        ]
      : [];
  const hub = await startHub({ pkiDir, extraArgs: replicaArgs('a') });
  const replicaB = etcd ? await startHub({ pkiDir, extraArgs: replicaArgs('b') }) : undefined;
  const site = `${prefix}-${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  const dataDir = tempDir(`edgefed-${prefix}-`);
  const tok = createJoinToken(hub.kubeconfig);
  joinAgent({ hub: hub.url, ...tok, name: site, dataDir });
  const agent = spawnAgent({
    dataDir,
    member: { runtime: 'edge', engine: podman.endpoint, nodeIp: '127.0.0.1', crashBackoff: '1s' },
    intervals: { heartbeat: '1s', status: '1s' },
  });
  await waitClustersReady(hub, [site], 60_000, () => agent.logs());
  const viaReplicaB = replicaB
    ? clusterKubeconfig(replicaB.kubeconfig, site, join(replicaB.dataDir, `${site}.kubeconfig`))
    : undefined;
  return {
    replicaB,
    viaReplicaB,
    podman,
    hub,
    agent,
    site,
    atSite: join(dataDir, 'site', 'admin.kubeconfig'),
    viaHub: clusterKubeconfig(hub.kubeconfig, site, join(hub.dataDir, `${site}.kubeconfig`)),
    async stop() {
      await agent.stop();
      await hub.stop();
      await replicaB?.stop();
      await etcd?.stop();
      for (const d of [pkiDir, replicaB?.dataDir]) if (d) cleanup(d);
      await removeContainersWithLabel(podman.endpoint, 'edgefed.io/node', site).catch(() => 0);
      await podman.stop();
      cleanup(dataDir);
      cleanup(hub.dataDir);
    },
  };
}

const cacheDir = tempDir('edgefed-kubectl-streams-');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl without blocking this process; `input` is written to its stdin and closed. */
export function kubectlRun(
  kubeconfig: string,
  args: string[],
  opts: { input?: string | Buffer; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], {
      env: { ...process.env, KUBECACHEDIR: cacheDir, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`kubectl ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    p.once('error', reject);
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    p.stdin.on('error', () => undefined);
    p.stdin.end(opts.input ?? '');
  });
}

export async function kubectlOkAsync(kubeconfig: string, args: string[], input?: string): Promise<string> {
  const r = await kubectlRun(kubeconfig, args, { input });
  if (r.code !== 0)
    throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** Creates a pod at the site and waits until it is Running. */
export async function runPod(
  kubeconfig: string,
  pod: object,
  name: string,
  timeoutMs = 60_000,
): Promise<void> {
  await kubectlOkAsync(kubeconfig, ['apply', '-f', '-'], JSON.stringify(pod));
  await waitFor(
    `pod ${name} Running`,
    async () => {
      const r = await kubectlRun(kubeconfig, ['get', 'pod', name, '-o', 'jsonpath={.status.phase}']);
      return r.stdout === 'Running' ? true : undefined;
    },
    timeoutMs,
    250,
  );
}
