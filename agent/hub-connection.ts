/**
 * The agent's connection to the hub: a KubeConfig from D/hub.kubeconfig, a KubeClient, and an
 * Informer over the cluster namespace's Works (the runtime Informer: resume by resourceVersion,
 * relist on 410, watchdog, reconnect with exponential backoff and full jitter). reload() swaps all
 * three after a certificate rotation.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../client/client.js';
import { Informer } from '../client/informer.js';
import type { RuntimeLogger } from '../client/log.js';
import { WORK_GROUP, WORK_VERSION, type Work } from '../api/federation.js';

export interface WorkEvents {
  upsert(work: Work): void;
  delete(work: Work): void;
  synced(): void;
}

export interface HubConnectionOptions {
  kubeconfigPath: string;
  namespace: string;
  events: WorkEvents;
  log: RuntimeLogger;
  /** Per-request timeout towards the hub (default 15 s). */
  timeoutMs?: number;
  /** Informer reconnect backoff ceiling (default 10 s, so a returning hub is seen within seconds). */
  maxBackoffMs?: number;
  /** Informer watchdog (default 60 s). */
  watchdogMs?: number;
}

export function worksPath(namespace: string): string {
  return `/apis/${WORK_GROUP}/${WORK_VERSION}/namespaces/${encodeURIComponent(namespace)}/works`;
}

export class HubConnection {
  kc!: KubeConfig;
  client!: KubeClient;
  informer!: Informer<Work>;
  private started = false;

  constructor(private readonly opts: HubConnectionOptions) {
    this.build();
  }

  private build(): void {
    const kc = new KubeConfig();
    kc.loadFromFile(this.opts.kubeconfigPath);
    this.kc = kc;
    this.client = new KubeClient(kc, {
      timeoutMs: this.opts.timeoutMs ?? 15_000,
      fieldManager: 'edgefed-agent',
    });
    const informer = new Informer<Work>({
      kc,
      listPath: worksPath(this.opts.namespace),
      // The agent re-applies from its own cache on its own resync; no informer resync needed.
      resyncMs: 0,
      watchdogMs: this.opts.watchdogMs ?? 60_000,
      backoff: { baseMs: 250, maxMs: this.opts.maxBackoffMs ?? 10_000 },
      logger: this.opts.log,
    });
    const ev = this.opts.events;
    informer.on('add', (w) => ev.upsert(w));
    informer.on('update', (w) => ev.upsert(w));
    informer.on('delete', (w) => ev.delete(w));
    informer.on('synced', () => ev.synced());
    this.informer = informer;
  }

  workPath(name: string): string {
    return `${worksPath(this.opts.namespace)}/${encodeURIComponent(name)}`;
  }

  start(): void {
    this.started = true;
    this.informer.start();
  }

  /** Re-reads the kubeconfig (new client certificate) and restarts the informer with it. */
  async reload(): Promise<void> {
    const old = this.informer;
    await old.stop();
    this.build();
    if (this.started) this.informer.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    await this.informer.stop();
  }
}
