/**
 * PushSupervisor: runs, inside the hub process, the agent of every cluster joined in push mode
 * (`edgefed join`; see ./secret.ts for the Secret it works from).
 *
 * Only one hub process may run a cluster's agent, so the supervisor competes for its own Lease
 * (PUSH_LEASE) and does everything below only while holding it. Its own Lease rather than the
 * controller manager's: the controllers may run elsewhere (`edgefed controllers`, `--no-controllers`),
 * while push agents need a hub process (its data dir and its own URL).
 *
 * Per cluster (one worker per key at a time, so the steps never interleave):
 * - the Secret is gone → stop the agent, remove its data dir <hub data dir>/push/<name>;
 * - no agent state in the data dir → restore it from the Secret (failover, lost data dir) or, the
 *   first time, join exactly as `edgefed agent join` does (joinHub, the Secret's bootstrap token,
 *   the hub's own URL and CA hash), then store the agent's identity in the Secret and delete the
 *   bootstrap token;
 * - joined, but the KubeFedCluster is gone or being deleted (`edgefed unjoin`) → stop the agent and
 *   delete the Secret (whose deletion then cleans up the data dir);
 * - otherwise keep startAgent() running with the member kubeconfig from the Secret (restarted if
 *   the Secret's kubeconfig changes); a rotated agent certificate is copied back to the Secret.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { startAgent, type AgentOptions, type RunningAgent } from '../agent/agent.js';
import { isJoined, readAgentConfig, readCredentials, writeAgentState } from '../agent/data-dir.js';
import { joinHub } from '../agent/join/join.js';
import { KubeClient } from '../client/client.js';
import { isNotFound } from '../client/errors.js';
import { Informer } from '../client/informer.js';
import { LeaderElector } from '../client/leader-election.js';
import type { RuntimeLogger } from '../client/log.js';
import { WorkQueue, runWorkers, type ReconcileResult } from '../client/workqueue.js';
import { HUB_NAMESPACE, type KubeFedCluster } from '../api/federation.js';
import { KUBEFEDCLUSTERS_PATH } from '../hub/join/known-clusters.js';
import { deleteToken } from '../hub/join/tokens.js';
import {
  DATA,
  PUSH_LABEL,
  PUSH_LEASE,
  PUSH_SECRETS_PATH,
  PUSH_STATUS_ANNOTATION,
  b64,
  memberKubeConfig,
  pushSecretName,
  pushSecretPath,
  secretCluster,
  secretLabels,
  secretValue,
  type PushSecret,
} from './secret.js';

export interface PushSupervisorOptions {
  /** Admin credentials for the hub's own API. */
  kc: KubeConfig;
  /** The hub's data dir; agents keep their state in <dataDir>/push/<cluster>. */
  dataDir: string;
  /** The hub's own URL (what the in-process agents dial) and the sha256 of its CA. */
  hubUrl: string;
  caHash: string;
  log: Logger | RuntimeLogger;
  /** Unique per process (default hostname-pid). */
  identity?: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  /** How long a join waits for `edgefed clusters accept` on a hub that requires it (default 1 h). */
  acceptanceWaitMs?: number;
  /** Passed to every startAgent (intervals, workers). */
  agent?: Partial<Omit<AgentOptions, 'dataDir' | 'member' | 'logger'>>;
}

/** <dataDir>/push/<cluster>/push.json: which Secret (uid) the agent state in the directory belongs to. */
interface PushState {
  secretUid: string;
}

interface Running {
  agent: RunningAgent;
  kubeconfig: string;
}

interface Term {
  client: KubeClient;
  secrets: Informer<PushSecret>;
  clusters: Informer<KubeFedCluster>;
  queue: WorkQueue;
  workers: Promise<void>;
  abort: AbortController;
  agents: Map<string, Running>;
}

const KFC_PATH = (name: string): string => `${KUBEFEDCLUSTERS_PATH}/${encodeURIComponent(name)}`;

export class PushSupervisor {
  private readonly elector: LeaderElector;
  private readonly log: RuntimeLogger;
  private term: Term | undefined;
  private transition: Promise<void> = Promise.resolve();

  constructor(private readonly opts: PushSupervisorOptions) {
    this.log = 'child' in opts.log ? opts.log.child({ component: 'push' }) : opts.log;
    this.elector = new LeaderElector({
      kc: opts.kc,
      namespace: HUB_NAMESPACE,
      name: PUSH_LEASE,
      identity: opts.identity ?? `${hostname()}-${process.pid}`,
      leaseDurationSeconds: opts.leaseDurationSeconds,
      renewDeadlineSeconds: opts.renewDeadlineSeconds,
      retryPeriodSeconds: opts.retryPeriodSeconds,
      logger: this.log,
      onStartedLeading: () => void this.serially(() => this.startTerm()),
      onStoppedLeading: () => void this.serially(() => this.stopTerm()),
    });
  }

  start(): void {
    this.elector.start();
  }

  isLeader(): boolean {
    return this.elector.isLeader();
  }

  /** Names of the clusters whose agent runs in this process now. */
  runningAgents(): string[] {
    return [...(this.term?.agents.keys() ?? [])].sort();
  }

  async stop(): Promise<void> {
    await this.serially(() => this.stopTerm());
    await this.elector.stop();
  }

  private serially(fn: () => Promise<void>): Promise<void> {
    this.transition = this.transition
      .then(fn)
      .catch((e: unknown) => this.log.error({ err: e }, 'push supervisor transition failed'));
    return this.transition;
  }

  private agentDir(name: string): string {
    return join(this.opts.dataDir, 'push', name);
  }

  private async startTerm(): Promise<void> {
    if (this.term) return;
    const client = new KubeClient(this.opts.kc, { fieldManager: 'edgefed-push', timeoutMs: 30_000 });
    const secrets = new Informer<PushSecret>({
      kc: this.opts.kc,
      listPath: PUSH_SECRETS_PATH,
      labelSelector: PUSH_LABEL,
      resyncMs: 60_000,
      logger: this.log,
    });
    const clusters = new Informer<KubeFedCluster>({
      kc: this.opts.kc,
      listPath: KUBEFEDCLUSTERS_PATH,
      resyncMs: 0,
      logger: this.log,
    });
    const queue = new WorkQueue({ baseDelayMs: 1_000, maxDelayMs: 60_000 });
    const term: Term = {
      client,
      secrets,
      clusters,
      queue,
      workers: Promise.resolve(),
      abort: new AbortController(),
      agents: new Map(),
    };
    const bySecret = (s: PushSecret): void => {
      const name = secretCluster(s);
      if (name) queue.add(name);
    };
    secrets.on('add', bySecret);
    secrets.on('update', bySecret);
    secrets.on('delete', bySecret);
    // Only clusters this supervisor looks after: a push Secret or a running agent.
    const byCluster = (c: KubeFedCluster): void => {
      const name = String(c.metadata.name ?? '');
      if (term.agents.has(name) || secrets.get(`${HUB_NAMESPACE}/${pushSecretName(name)}`)) queue.add(name);
    };
    clusters.on('update', byCluster);
    clusters.on('delete', byCluster);
    secrets.start();
    clusters.start();
    this.term = term;
    // Not awaited here: a stop (lost lease) during the first list must not wait for it.
    term.workers = (async () => {
      const aborted = new Promise<void>((r) => term.abort.signal.addEventListener('abort', () => r()));
      await Promise.race([Promise.all([secrets.waitForSync(), clusters.waitForSync()]), aborted]);
      if (term.abort.signal.aborted) return;
      // Data dirs left by Secrets deleted while no supervisor ran.
      const root = join(this.opts.dataDir, 'push');
      if (existsSync(root)) for (const name of readdirSync(root)) queue.add(name);
      this.log.info({ secrets: secrets.keys().length }, 'leading: push supervisor started');
      await runWorkers(queue, 4, (name) => this.reconcile(term, name), this.log);
    })();
  }

  private async stopTerm(): Promise<void> {
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    term.abort.abort();
    term.queue.shutdown();
    await Promise.all([term.secrets.stop(), term.clusters.stop()]);
    await term.workers;
    await Promise.all([...term.agents.keys()].map((name) => this.stopAgent(term, name)));
    this.log.info({}, 'push supervisor stopped');
  }

  private async stopAgent(term: Term, name: string): Promise<void> {
    const r = term.agents.get(name);
    if (!r) return;
    term.agents.delete(name);
    await r.agent.stop();
    this.log.info({ cluster: name }, 'push agent stopped');
  }

  private async setStatus(term: Term, secret: PushSecret, status: string): Promise<void> {
    if (secret.metadata.annotations?.[PUSH_STATUS_ANNOTATION] === status) return;
    await term.client
      .mergePatch(pushSecretPath(String(secretCluster(secret))), {
        metadata: { annotations: { [PUSH_STATUS_ANNOTATION]: status } },
      })
      .catch((e: unknown) => {
        if (!isNotFound(e)) this.log.warn({ err: e }, 'cannot record push status');
      });
  }

  private async reconcile(term: Term, name: string): Promise<ReconcileResult> {
    if (term.abort.signal.aborted) return;
    const dir = this.agentDir(name);
    const secret = term.secrets.get(`${HUB_NAMESPACE}/${pushSecretName(name)}`);
    if (!secret || secret.metadata.deletionTimestamp) {
      await this.stopAgent(term, name);
      if (existsSync(dir)) {
        rmSync(dir, { recursive: true, force: true });
        this.log.info({ cluster: name }, 'push cluster removed: agent data deleted');
      }
      return;
    }
    const uid = String(secret.metadata.uid ?? '');
    const statePath = join(dir, 'push.json');
    const state = existsSync(statePath)
      ? (JSON.parse(readFileSync(statePath, 'utf8')) as Partial<PushState>)
      : undefined;
    const ours = isJoined(dir) && state?.secretUid === uid;

    let joinedNow = false;
    if (!ours) {
      await this.stopAgent(term, name);
      rmSync(dir, { recursive: true, force: true });
      if (!(await this.restore(secret, name, dir))) {
        if (!(await this.join(term, secret, name, dir))) return { requeueAfterMs: 30_000 };
        joinedNow = true;
      }
      writeFileSync(statePath, JSON.stringify({ secretUid: uid } satisfies PushState) + '\n');
    }
    // Restored or already running: was it unjoined meanwhile (also while no supervisor ran)?
    if (!joinedNow) {
      const kfc = await term.client.getIfExists<KubeFedCluster>(KFC_PATH(name));
      if (!kfc || kfc.metadata.deletionTimestamp) {
        // `edgefed unjoin`: the agent's certificate is refused from now on; stop it and forget the push.
        await this.stopAgent(term, name);
        await term.client.deleteIfExists(pushSecretPath(name));
        this.log.info({ cluster: name }, 'push cluster unjoined: agent stopped, Secret deleted');
        return;
      }
      await this.saveIdentity(term, secret, name, dir);
      // The hub restarted on another address (--port 0, a new --bind): the agent dials this one.
      const cfg = readAgentConfig(dir);
      if (cfg.hub !== this.opts.hubUrl) {
        await this.stopAgent(term, name);
        writeAgentState(dir, { ...cfg, hub: this.opts.hubUrl }, readCredentials(dir));
      }
    }

    if (term.abort.signal.aborted) return;
    const kubeconfig = secretValue(secret, DATA.kubeconfig) ?? '';
    const running = term.agents.get(name);
    if (running && running.kubeconfig === kubeconfig) return;
    if (running) await this.stopAgent(term, name);
    const agent = await startAgent({
      ...this.opts.agent,
      dataDir: dir,
      member: memberKubeConfig(secret),
      logger:
        'child' in this.opts.log ? this.opts.log.child({ component: 'push-agent', cluster: name }) : this.log,
    });
    if (term.abort.signal.aborted) {
      await agent.stop();
      return;
    }
    term.agents.set(name, { agent, kubeconfig });
    this.log.info({ cluster: name }, 'push agent running');
    await this.setStatus(term, secret, 'Running');
  }

  /** Agent state from the Secret (written there after the first join). Answers whether it was there. */
  private async restore(secret: PushSecret, name: string, dir: string): Promise<boolean> {
    const cfg = secretValue(secret, DATA.agentConfig);
    const caCert = secretValue(secret, DATA.ca);
    const cert = secretValue(secret, DATA.cert);
    const key = secretValue(secret, DATA.key);
    if (!cfg || !caCert || !cert || !key) return false;
    const parsed = JSON.parse(cfg) as { cluster?: string; namespace?: string };
    if (parsed.cluster !== name || !parsed.namespace)
      throw new Error(`Secret ${pushSecretName(name)}: ${DATA.agentConfig} is not for cluster ${name}`);
    // This hub's own URL: after a failover the agent dials the process it runs in.
    writeAgentState(
      dir,
      { hub: this.opts.hubUrl, cluster: name, namespace: parsed.namespace },
      { caCert, cert, key },
    );
    this.log.info({ cluster: name }, 'push agent state restored from its Secret');
    return true;
  }

  /** The first join. Answers false (status recorded on the Secret) when it cannot be done now. */
  private async join(term: Term, secret: PushSecret, name: string, dir: string): Promise<boolean> {
    const token = secretValue(secret, DATA.token);
    const existing = await term.client.getIfExists<KubeFedCluster>(KFC_PATH(name));
    if (existing && !token) {
      await this.setStatus(
        term,
        secret,
        `Error: cluster "${name}" exists but this Secret holds no agent identity`,
      );
      return false;
    }
    if (!token) {
      await this.setStatus(term, secret, 'Error: no bootstrap token in the Secret; run `edgefed join` again');
      return false;
    }
    let kubernetesVersion: string | undefined;
    try {
      const v = await new KubeClient(memberKubeConfig(secret), { timeoutMs: 10_000 }).get<{
        gitVersion?: string;
      }>('/version');
      kubernetesVersion = v.gitVersion;
    } catch (e) {
      this.log.warn({ cluster: name, err: e }, 'member cluster unreachable from the hub (joining anyway)');
    }
    const signal = term.abort.signal;
    try {
      await joinHub(
        {
          hub: this.opts.hubUrl,
          token,
          caHash: this.opts.caHash,
          name,
          dataDir: dir,
          labels: secretLabels(secret),
          waitMs: this.opts.acceptanceWaitMs ?? 60 * 60_000,
        },
        {
          progress: (line) => this.log.info({ cluster: name }, line),
          kubernetesVersion,
          // Stopping the supervisor ends a join that waits for acceptance.
          sleep: (ms) =>
            new Promise<void>((resolve, reject) => {
              if (signal.aborted) return reject(new Error('push supervisor stopping'));
              const t = setTimeout(resolve, ms);
              signal.addEventListener('abort', () => {
                clearTimeout(t);
                reject(new Error('push supervisor stopping'));
              });
            }),
        },
      );
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      if (signal.aborted) return false;
      const msg = (e as Error).message;
      this.log.warn({ cluster: name, err: msg }, 'push join failed');
      await this.setStatus(term, secret, `Error: ${msg}`);
      return false;
    }
    // The token was for this one join.
    await deleteToken(term.client, token).catch((e: unknown) =>
      this.log.warn({ err: e }, 'cannot delete the push bootstrap token'),
    );
    await this.saveIdentity(term, secret, name, dir, true);
    await this.setStatus(term, secret, 'Joined');
    return true;
  }

  /** Keeps the Secret's copy of the agent identity equal to the data dir's (join, rotation). */
  private async saveIdentity(
    term: Term,
    secret: PushSecret,
    name: string,
    dir: string,
    dropToken = false,
  ): Promise<void> {
    const cfg = readAgentConfig(dir);
    const creds = readCredentials(dir);
    const want: Record<string, string> = {
      [DATA.agentConfig]: b64(JSON.stringify({ cluster: cfg.cluster, namespace: cfg.namespace })),
      [DATA.ca]: b64(creds.caCert),
      [DATA.cert]: b64(creds.cert),
      [DATA.key]: b64(creds.key),
    };
    const stale = Object.entries(want).some(([k, v]) => secret.data?.[k] !== v);
    if (!stale && !dropToken) return;
    const data: Record<string, string | null> = { ...want };
    if (dropToken) data[DATA.token] = null;
    await term.client.mergePatch(pushSecretPath(name), { data });
  }
}
