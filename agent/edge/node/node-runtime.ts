/**
 * The node runtime: what kubelet does, for the one node of an edge site. It runs the pods of the
 * site API as containers of a container engine and reports them back.
 *
 * Loops (all level-triggered; any of them may miss an event, the others catch up):
 * - an informer on the site API's pods: a pod event queues that pod's sync;
 * - engine events: the container is inspected, the cache updated, its pod queued if it changed;
 * - an engine poll every syncIntervalMs: one list of the node's containers, compared with the
 *   cache; only pods whose containers changed are queued, and pods whose uid is not in the API
 *   (orphans) are stopped;
 * - the node heartbeat: Node status and Lease.
 *
 * stop() ends these loops and leaves every container running: an agent restart must not restart
 * workloads. The next start adopts them from the engine by their labels.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Readable } from 'node:stream';
import { errors } from '../../../apiserver/errors.js';
import { KubeClient } from '../../../client/client.js';
import { EventBroadcaster, type EventRecorder } from '../../../client/events.js';
import { Informer } from '../../../client/informer.js';
import { silentLogger, type RuntimeLogger } from '../../../client/log.js';
import { WorkQueue, runWorkers } from '../../../client/workqueue.js';
import { EngineError, LABELS, type ContainerEngine, type EngineEvent } from '../engine/engine.js';
import { KUBELET_BACKOFF, type BackoffConfig } from './backoff.js';
import { ContainerCache } from './container-cache.js';
import { engineId, logContainerName, logTarget } from './log-target.js';
import { NodeHeartbeat } from './node-heartbeat.js';
import { KubeletEvents } from './pod-events.js';
import { PodSyncer } from './pod-sync.js';
import { ProbeManager } from './probe-manager.js';
import type { Pod } from '../../../api/core.js';
import { podDirUids, removePodDir } from './volume-writer.js';

export interface NodeRuntimeOptions {
  /** The site API. */
  kc: KubeConfig;
  engine: ContainerEngine;
  nodeName: string;
  nodeIp: string;
  /** Pod volumes live in `<dataDir>/pods/<uid>/volumes/<name>`. */
  dataDir: string;
  log?: RuntimeLogger;
  /** Crash and image-pull back-off (default kubelet's: 10 s doubling to 300 s). */
  crashBackoff?: { baseMs: number; maxMs: number };
  /** Engine poll interval (default 2000). */
  syncIntervalMs?: number;
  /** Node status and Lease interval (default 10 s). */
  nodeStatusIntervalMs?: number;
  /** Cap on every termination grace period, in seconds (tests; default none). */
  maxGracePeriodSeconds?: number;
  /** Pods synced in parallel (default 16). */
  workers?: number;
  /** The site's cluster DNS address, bridge pods' nameserver under dnsPolicy ClusterFirst. */
  clusterDns?: string;
}

export interface PodLogRequest {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  previous?: boolean;
  signal?: AbortSignal;
}

const UID_INDEX = 'uid';

export class NodeRuntime {
  private readonly log: RuntimeLogger;
  private readonly client: KubeClient;
  private readonly engine: ContainerEngine;
  private readonly nodeName: string;
  private readonly syncIntervalMs: number;
  private readonly cache = new ContainerCache();
  private readonly queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 30_000 });
  private readonly informer: Informer<Pod>;
  private readonly heartbeat: NodeHeartbeat;
  private readonly probes: ProbeManager;
  private readonly syncer: PodSyncer;
  /** Events: best effort, asynchronous (client/events.ts). */
  private readonly broadcaster: EventBroadcaster;
  private readonly nodeEvents: EventRecorder;
  private readonly podEvents: KubeletEvents;
  private engineName = '';
  private simulated = false;
  private workers?: Promise<void>;
  private pollTimer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private unsubscribe?: () => void;
  private started = false;
  private stopped = false;
  /** Engine lists, for tests and benchmarks (one per poll, whatever the number of pods). */
  readonly stats = { polls: 0 };

  constructor(private readonly opts: NodeRuntimeOptions) {
    this.log = opts.log ?? silentLogger;
    this.engine = opts.engine;
    this.nodeName = opts.nodeName;
    this.syncIntervalMs = opts.syncIntervalMs ?? 2000;
    this.client = new KubeClient(opts.kc, { fieldManager: 'kubelet' });
    this.informer = new Informer<Pod>({ kc: opts.kc, listPath: '/api/v1/pods', logger: this.log });
    this.informer.addIndex(UID_INDEX, (p) => (p.metadata.uid ? [p.metadata.uid] : []));
    this.broadcaster = new EventBroadcaster({ client: this.client, log: this.log });
    this.nodeEvents = this.broadcaster.newRecorder({ component: 'kubelet', host: opts.nodeName });
    this.podEvents = new KubeletEvents(
      this.nodeEvents,
      this.broadcaster.newRecorder({ component: 'default-scheduler' }),
      opts.nodeName,
    );
    this.heartbeat = new NodeHeartbeat({
      client: this.client,
      engine: opts.engine,
      nodeName: opts.nodeName,
      nodeIp: opts.nodeIp,
      dataDir: opts.dataDir,
      intervalMs: opts.nodeStatusIntervalMs ?? 10_000,
      log: this.log,
      events: this.nodeEvents,
    });
    // The simulated flag is only known after info(); the closure reads it then.
    this.probes = new ProbeManager(
      opts.engine,
      () => this.simulated,
      (uid) => this.queue.add(uid),
      (uid, container, kind, output) => {
        const pod = this.podByUid(uid);
        if (pod) this.podEvents.probeFailed(pod, container, kind, output);
      },
    );
    const backoff: BackoffConfig = opts.crashBackoff ?? KUBELET_BACKOFF;
    this.syncer = new PodSyncer({
      client: this.client,
      engine: opts.engine,
      cache: this.cache,
      probes: this.probes,
      nodeName: opts.nodeName,
      nodeIp: opts.nodeIp,
      clusterDns: opts.clusterDns,
      dataDir: opts.dataDir,
      backoff,
      maxGraceSeconds: opts.maxGracePeriodSeconds ?? Number.POSITIVE_INFINITY,
      allocatable: { cpu: String(cpus().length), memory: String(totalmem()) },
      engineName: () => this.engineName,
      wake: (uid) => this.queue.add(uid),
      log: this.log,
      events: this.podEvents,
    });
  }

  /** Counters of the pod syncs (syncs, status writes, creates, kills, terminations). */
  get syncStats(): PodSyncer['stats'] {
    return this.syncer.stats;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('NodeRuntime already started');
    this.started = true;
    mkdirSync(this.opts.dataDir, { recursive: true });
    const node = { apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: this.nodeName };
    this.nodeEvents.event(node, 'Normal', 'Starting', 'Starting kubelet.');
    await this.engineInfo();
    await this.heartbeat
      .start()
      .catch((e: unknown) => this.log.warn({ err: e }, 'node registration failed; retrying'));
    this.unsubscribe = this.engine.onEvent((e) => this.onEngineEvent(e));
    // Adopt what runs before looking at the API, so no pod is started twice.
    await this.poll().catch((e: unknown) => this.log.warn({ err: e }, 'engine list failed'));
    this.informer.on('add', (p) => this.onPod(p));
    this.informer.on('update', (p) => this.onPod(p));
    this.informer.on('delete', (p) => p.metadata.uid && this.queue.add(p.metadata.uid));
    this.informer.start();
    await this.informer.waitForSync();
    this.sweepOrphans();
    await this.sweepPodDirs();
    this.workers = runWorkers(this.queue, this.opts.workers ?? 16, (uid) => this.reconcile(uid), this.log);
    this.schedulePoll();
    this.log.info(
      { node: this.nodeName, engine: this.engineName, containers: this.cache.size },
      'node runtime started',
    );
  }

  /** Ends the runtime's loops; containers keep running. */
  async stop(): Promise<void> {
    if (this.stopped || !this.started) return;
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.unsubscribe?.();
    this.probes.close();
    this.queue.shutdown();
    await Promise.all([this.informer.stop(), this.heartbeat.stop(), this.polling, this.workers]);
    await this.syncer.drain();
    await this.broadcaster.shutdown();
  }

  /** A container's log, chosen and refused as kubelet does (ApiError 404 / 400 with kube's messages). */
  async logs(namespace: string, podName: string, opts: PodLogRequest = {}): Promise<Readable> {
    let pod = this.informer.get(`${namespace}/${podName}`);
    if (!pod) {
      pod = await this.client.getIfExists<Pod>(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}`,
      );
    }
    if (!pod) throw errors.notFound('pods', '', podName);
    const container = logContainerName(pod, opts.container);
    const status = this.syncer.state(pod.metadata.uid ?? '')?.lastStatus ?? pod.status;
    const id = logTarget(pod, status, container, Boolean(opts.previous));
    try {
      return await this.engine.logs(engineId(id), {
        follow: opts.follow,
        tailLines: opts.tailLines,
        sinceSeconds: opts.sinceSeconds,
        timestamps: opts.timestamps,
        signal: opts.signal,
      });
    } catch (e) {
      if (e instanceof EngineError && e.reason === 'NotFound') {
        const q = (s: string): string => JSON.stringify(s);
        throw errors.badRequest(
          opts.previous
            ? `previous terminated container ${q(container)} in pod ${q(podName)} not found`
            : `container ${q(container)} in pod ${q(podName)} is waiting to start - no logs yet`,
        );
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------- loops

  private async engineInfo(): Promise<boolean> {
    if (this.engineName) return true;
    try {
      const info = await this.engine.info();
      this.engineName = info.name;
      this.simulated = info.name === 'simulated';
      return true;
    } catch (e) {
      this.log.warn({ err: e }, 'container engine unreachable');
      return false;
    }
  }

  private ours(p: Pod): boolean {
    return !p.spec?.nodeName || p.spec.nodeName === this.nodeName;
  }

  private onPod(p: Pod): void {
    if (p.metadata.uid && (this.ours(p) || this.cache.forPod(p.metadata.uid).length))
      this.queue.add(p.metadata.uid);
  }

  private onEngineEvent(e: EngineEvent): void {
    if (e.labels[LABELS.node] !== this.nodeName || this.stopped) return;
    const uid = e.labels[LABELS.podUid];
    if (!uid) return;
    if (e.action === 'destroy') {
      this.cache.remove(e.containerId);
      this.queue.add(uid);
      return;
    }
    void this.engine
      .inspectContainer(e.containerId)
      .then((c) => {
        if (this.stopped) return;
        if (!c) this.cache.remove(e.containerId);
        if (!c || this.cache.put(c)) this.queue.add(uid);
      })
      .catch(() => undefined);
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.pollTimer = setTimeout(() => {
      this.polling = this.poll()
        .catch((e: unknown) => this.log.warn({ err: e }, 'engine list failed'))
        .finally(() => this.schedulePoll());
    }, this.syncIntervalMs);
    this.pollTimer.unref();
  }

  /** One list of the node's containers: queue the pods whose containers changed, and the orphans. */
  private async poll(): Promise<void> {
    if (!(await this.engineInfo())) return;
    const mark = this.cache.mark();
    this.stats.polls++;
    const list = await this.engine.listContainers({ [LABELS.node]: this.nodeName });
    if (this.stopped) return;
    for (const uid of this.cache.replace(list, mark)) this.queue.add(uid);
    if (this.informer.hasSynced()) this.sweepOrphans();
  }

  private podByUid(uid: string): Pod | undefined {
    return this.informer.byIndex(UID_INDEX, uid)[0];
  }

  /** Containers whose pod is not in the API: their pod was deleted while we were not looking. */
  private sweepOrphans(): void {
    for (const uid of this.cache.podUids()) {
      if (!this.podByUid(uid) && !this.syncer.isTerminating(uid)) this.queue.add(uid);
    }
  }

  /** Volume directories of pods that neither the API nor the engine knows any more. */
  private async sweepPodDirs(): Promise<void> {
    for (const uid of await podDirUids(this.opts.dataDir)) {
      if (!this.podByUid(uid) && this.cache.forPod(uid).length === 0)
        await removePodDir(this.opts.dataDir, uid);
    }
  }

  private async reconcile(uid: string): Promise<void | { requeueAfterMs?: number }> {
    if (!this.engineName) return { requeueAfterMs: this.syncIntervalMs };
    const pod = this.podByUid(uid);
    if (!pod || pod.metadata.deletionTimestamp || !this.ours(pod)) {
      const running = this.cache.forPod(uid).length > 0;
      // With no container left, a pod being deleted only needs its final delete (when no finalizer holds it).
      if (running || (pod?.metadata.deletionTimestamp && !pod.metadata.finalizers?.length))
        this.syncer.terminate(uid, pod);
      else this.syncer.forget(uid);
      return;
    }
    let bound = pod;
    if (!pod.spec.nodeName) {
      // Scheduling gates hold a pod back from any node.
      if (pod.spec.schedulingGates?.length) return;
      bound = await this.bind(pod);
    }
    return this.syncer.sync(bound);
  }

  /** This site has one node: an unscheduled pod is this node's (the scheduler's bind, as a patch). */
  private async bind(pod: Pod): Promise<Pod> {
    const path = `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace ?? '')}/pods/${encodeURIComponent(pod.metadata.name ?? '')}`;
    const bound = await this.client.mergePatch<Pod>(path, {
      metadata: { resourceVersion: pod.metadata.resourceVersion },
      spec: { nodeName: this.nodeName },
    });
    this.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, 'pod bound to this node');
    return bound;
  }
}
