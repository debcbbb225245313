/**
 * One pod's sync (kubelet's SyncPod without sandboxes): from the pod, the engine's containers of
 * that pod and the runtime's memory of it, take the actions planPod decides, then write the status
 * computePodStatus gives — only when it differs from what the API has. Serialised per pod by the
 * work queue; long waits (stopping a container with a grace period) run in the background and wake
 * the pod again when done, so one slow stop does not hold a worker.
 */
import { KubeClient } from '../../../client/client.js';
import { isConflict, isNotFound } from '../../../client/errors.js';
import type { RuntimeLogger } from '../../../client/log.js';
import type { ReconcileResult } from '../../../client/workqueue.js';
import { EngineError, LABELS, type ContainerEngine, type ObservedContainer } from '../engine/engine.js';
import { backoffNext, backoffRemaining, type BackoffConfig } from './backoff.js';
import { containerSpecFor } from './container-spec.js';
import type { ContainerCache } from './container-cache.js';
import type { ObjectLookups } from './env.js';
import { fetchLookups } from './object-lookups.js';
import { groupByContainer, isExited, nowSeconds, type History } from './history.js';
import { effectivePullPolicy, pullDecision } from './image-policy.js';
import type { KubeletEvents } from './pod-events.js';
import { computePodStatus, statusPatch, type ProbeView } from './pod-status.js';
import { PodState } from './pod-state.js';
import type { ProbeManager, ProbeSubject } from './probe-manager.js';
import { isSidecar, isTerminalPhase, planPod, type Waiting } from './restart.js';
import { podRef, type Container, type Pod, type PodStatus } from '../../../api/core.js';
import { removePodDir, writeVolumes } from './volume-writer.js';
import { planVolumes } from './volumes.js';

/** kube's default terminationGracePeriodSeconds. */
const DEFAULT_GRACE_SECONDS = 30;
/** Attempts kept per container: the current one and the previous (for `logs --previous`). */
const KEEP_ATTEMPTS = 2;

export interface PodSyncDeps {
  client: KubeClient;
  engine: ContainerEngine;
  cache: ContainerCache;
  probes: ProbeManager;
  nodeName: string;
  nodeIp: string;
  /** Bridge pods' nameserver under ClusterFirst (container-spec.ts podDns). */
  clusterDns?: string;
  dataDir: string;
  backoff: BackoffConfig;
  maxGraceSeconds: number;
  allocatable: { cpu: string; memory: string };
  engineName: () => string;
  /** Wake the pod's sync now (after a background stop finished). */
  wake: (uid: string) => void;
  log: RuntimeLogger;
  /** kubelet's Events (pod-events.ts); none when absent. */
  events?: KubeletEvents;
}

export function podPath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
}

interface SyncContext {
  pod: Pod;
  state: PodState;
  now: number;
  waiting: Map<string, Waiting>;
  /** The shortest wait before the pod must be looked at again. */
  requeueMs?: number;
  lookups?: ObjectLookups;
}

function engineMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class PodSyncer {
  private readonly states = new Map<string, PodState>();
  /** Pods whose containers are being stopped in the background. */
  private readonly terminating = new Map<string, Promise<void>>();
  /** Containers being killed (liveness), so a second sync does not kill them again. */
  private readonly killing = new Set<string>();
  private readonly background = new Set<Promise<void>>();
  readonly stats = { syncs: 0, statusWrites: 0, creates: 0, kills: 0, terminations: 0 };

  constructor(private readonly d: PodSyncDeps) {}

  state(uid: string): PodState | undefined {
    return this.states.get(uid);
  }

  isTerminating(uid: string): boolean {
    return this.terminating.has(uid);
  }

  /** Waits for background stops (on runtime stop; they are bounded by the grace period). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.background]);
  }

  /**
   * The pod is gone, being deleted or not ours: stop and remove its containers. `pod` is the API
   * object when it still exists.
   */
  terminate(uid: string, pod: Pod | undefined): void {
    if (this.terminating.has(uid)) return;
    const state = this.states.get(uid);
    const spec = (pod ?? state?.lastPod)?.spec;
    const grace = Math.min(
      pod?.metadata.deletionGracePeriodSeconds ||
        (spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS),
      this.d.maxGraceSeconds,
    );
    this.d.probes.removePod(uid);
    this.d.log.info({ uid, pod: pod ? podRef(pod) : undefined, grace }, 'stopping pod containers');
    this.stats.terminations++;
    const p = (async () => {
      const containers = this.d.cache.forPod(uid);
      const evPod = pod ?? state?.lastPod;
      for (const c of containers.filter((x) => x.status === 'running'))
        if (evPod) this.d.events?.killing(evPod, c.labels[LABELS.container] ?? '');
      await Promise.all(
        containers
          .filter((c) => c.status === 'running')
          .map((c) => this.d.engine.stopContainer(c.id, grace).catch(() => undefined)),
      );
      for (const c of containers) {
        await this.d.engine.removeContainer(c.id);
        this.d.cache.remove(c.id);
      }
      await removePodDir(this.d.dataDir, uid);
      this.states.delete(uid);
      this.d.events?.forget(uid);
      if (pod?.metadata.deletionTimestamp && !pod.metadata.finalizers?.length) {
        // As kubelet: once the containers are gone, the deletion completes.
        await this.d.client
          .delete(podPath(pod.metadata.namespace ?? '', pod.metadata.name ?? ''), {
            gracePeriodSeconds: 0,
            preconditions: { uid },
          })
          .catch((e: unknown) => {
            if (!isNotFound(e) && !isConflict(e)) throw e;
          });
      }
    })();
    this.track(
      p
        .catch((e: unknown) => this.d.log.warn({ err: e, uid }, 'stopping pod containers failed; will retry'))
        .finally(() => {
          this.terminating.delete(uid);
          this.d.wake(uid);
        }),
    );
    this.terminating.set(uid, p);
  }

  /** One sync of a pod that exists, is ours and is not being deleted. */
  async sync(pod: Pod): Promise<ReconcileResult> {
    const uid = pod.metadata.uid ?? '';
    if (this.terminating.has(uid)) return;
    this.stats.syncs++;
    let state = this.states.get(uid);
    if (!state) this.states.set(uid, (state = new PodState(uid)));
    state.lastPod = pod;
    this.d.events?.scheduled(pod);
    const ctx: SyncContext = { pod, state, now: Date.now(), waiting: new Map() };
    const terminal = isTerminalPhase(pod.status?.phase);

    let histories = this.histories(uid, state, ctx.now);
    const plan = planPod({
      pod,
      histories,
      backoffs: state.backoffs,
      unhealthy: this.d.probes.unhealthy(uid),
      nowMs: ctx.now,
      cfg: this.d.backoff,
    });
    for (const { container, action } of plan) {
      switch (action.kind) {
        case 'none':
          break;
        case 'wait':
          ctx.waiting.set(container.name, action.waiting);
          this.requeue(ctx, action.retryInMs);
          if (action.waiting.reason === 'CrashLoopBackOff') this.d.events?.crashLoop(pod, container);
          break;
        case 'kill':
          this.kill(pod, container, action.id);
          break;
        case 'start':
          await this.startExisting(ctx, container, action.id);
          break;
        case 'create':
          // Back-off counts the decision to restart, whether or not the new attempt starts.
          if (action.backoff) state.backoffs.set(container.name, action.backoff);
          await this.createAndStart(ctx, container, action.attempt);
          break;
      }
    }
    await this.collectOldAttempts(uid);
    histories = this.histories(uid, state, ctx.now);
    state.waiting = ctx.waiting;

    const probes = new Map<string, ProbeView>();
    for (const h of histories.values()) if (h[0]) probes.set(h[0].id, this.d.probes.view(h[0].id));
    const status = computePodStatus({
      pod,
      histories,
      waiting: ctx.waiting,
      probes,
      engineName: this.d.engineName(),
      nodeIp: this.d.nodeIp,
      now: nowSeconds(ctx.now),
    });
    state.lastStatus = status;
    if (!terminal) await this.writeStatus(pod, state, status);
    this.d.probes.sync(uid, terminal ? [] : this.probeSubjects(pod, histories, status.podIP ?? ''));
    return ctx.requeueMs !== undefined ? { requeueAfterMs: ctx.requeueMs } : undefined;
  }

  /** Forgets a pod whose uid is neither in the API nor in the engine. */
  forget(uid: string): void {
    this.states.delete(uid);
    this.d.events?.forget(uid);
    this.d.probes.removePod(uid);
  }

  // ---------------------------------------------------------------- actions

  private histories(uid: string, state: PodState, now: number): Map<string, History> {
    const nowIso = new Date(now).toISOString();
    const containers = this.d.cache.forPod(uid);
    state.prune(new Set(containers.map((c) => c.id)));
    return groupByContainer(containers.map((c) => state.view(c, nowIso)));
  }

  private requeue(ctx: SyncContext, ms: number): void {
    const v = Math.max(1, Math.ceil(ms));
    ctx.requeueMs = ctx.requeueMs === undefined ? v : Math.min(ctx.requeueMs, v);
  }

  private async refresh(id: string): Promise<ObservedContainer | undefined> {
    const c = await this.d.engine.inspectContainer(id);
    if (c) this.d.cache.put(c);
    else this.d.cache.remove(id);
    return c;
  }

  /** Re-reads every container of the pod from the engine (after a create hit a stale cache). */
  private async refreshPod(uid: string): Promise<void> {
    const list = await this.d.engine.listContainers({ [LABELS.node]: this.d.nodeName, [LABELS.podUid]: uid });
    for (const c of list) this.d.cache.put(c);
  }

  private async startExisting(ctx: SyncContext, container: Container, id: string): Promise<void> {
    try {
      await this.d.engine.startContainer(id);
      this.d.events?.started(ctx.pod, container);
    } catch (e) {
      this.d.events?.failed(ctx.pod, container, engineMessage(e));
      ctx.state.overrides.set(id, { error: engineMessage(e), finishedAt: new Date().toISOString() });
      ctx.waiting.set(container.name, { reason: 'RunContainerError', message: engineMessage(e) });
      this.requeue(ctx, 0);
    }
    await this.refresh(id);
  }

  private kill(pod: Pod, container: Container, id: string): void {
    if (this.killing.has(id)) return;
    this.killing.add(id);
    this.stats.kills++;
    const probeGrace = container.livenessProbe?.terminationGracePeriodSeconds;
    const grace = Math.min(
      probeGrace ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS,
      this.d.maxGraceSeconds,
    );
    const uid = pod.metadata.uid ?? '';
    this.d.events?.killing(pod, container.name, 'liveness');
    this.d.log.info(
      { pod: podRef(pod), container: container.name },
      'container failed its liveness probe; restarting it',
    );
    this.track(
      this.d.engine
        .stopContainer(id, grace)
        .then(() => this.refresh(id))
        .catch((e: unknown) => this.d.log.warn({ err: e, pod: podRef(pod) }, 'killing container failed'))
        .finally(() => {
          this.killing.delete(id);
          this.d.wake(uid);
        })
        .then(() => undefined),
    );
  }

  private track(p: Promise<void>): void {
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  /** The image is usable, or why not (ErrImagePull with the engine's message, then ImagePullBackOff). */
  private async ensureImage(ctx: SyncContext, c: Container): Promise<Waiting | undefined> {
    const image = c.image ?? '';
    const policy = effectivePullPolicy(image, c.imagePullPolicy);
    const present = await this.d.engine.imagePresent(image).catch(() => false);
    const decision = pullDecision(image, policy, present);
    if (decision.action === 'use') {
      if (present) this.d.events?.alreadyPresent(ctx.pod, c);
      return undefined;
    }
    if (decision.action === 'fail') {
      this.d.events?.neverPull(ctx.pod, c, decision.message);
      return { reason: decision.reason, message: decision.message };
    }
    const st = ctx.state;
    const entry = st.imageBackoffs.get(image);
    const remaining = entry ? backoffRemaining(entry, entry.lastUpdateMs, ctx.now, this.d.backoff) : 0;
    if (remaining > 0) {
      this.requeue(ctx, remaining);
      const prev = st.imageErrors.get(image);
      this.d.events?.pullBackOff(ctx.pod, c);
      return {
        reason: 'ImagePullBackOff',
        message: `Back-off pulling image "${image}"${prev ? `: ErrImagePull: ${prev}` : ''}`,
      };
    }
    this.d.events?.pulling(ctx.pod, c);
    const pullStart = Date.now();
    try {
      await this.d.engine.pullImage(image);
      this.d.events?.pulled(ctx.pod, c, Date.now() - pullStart);
      st.imageBackoffs.delete(image);
      st.imageErrors.delete(image);
      return undefined;
    } catch (e) {
      const message = engineMessage(e);
      // An edge site is often offline: a `:latest` image it already has is better than none.
      if (present) {
        this.d.log.warn({ image, err: message }, 'pull failed; using the image present locally');
        return undefined;
      }
      const next = backoffNext(entry, ctx.now, this.d.backoff);
      st.imageBackoffs.set(image, next);
      st.imageErrors.set(image, message);
      // As kubelet shows it: ErrImagePull for a moment, then ImagePullBackOff until the retry (the
      // ImagePullBackOff pass requeues itself for the end of the back-off).
      this.requeue(ctx, Math.min(next.delayMs / 2, 1000));
      const reason =
        e instanceof EngineError && e.reason === 'InvalidImageName' ? 'InvalidImageName' : 'ErrImagePull';
      this.d.events?.pullFailed(ctx.pod, c, reason, message);
      return { reason, message };
    }
  }

  /** The pod's ConfigMaps and Secrets, fetched once per sync and only when a container is created. */
  private async lookups(ctx: SyncContext): Promise<ObjectLookups> {
    ctx.lookups ??= await fetchLookups(this.d.client, ctx.pod);
    return ctx.lookups;
  }

  private async createAndStart(ctx: SyncContext, c: Container, attempt: number): Promise<void> {
    const { pod, state } = ctx;
    const retryMs = this.d.backoff.baseMs;
    const waitImage = await this.ensureImage(ctx, c);
    if (waitImage) {
      ctx.waiting.set(c.name, waitImage);
      return;
    }
    const lookups = await this.lookups(ctx);
    const podIP = pod.spec.hostNetwork ? this.d.nodeIp : (pod.status?.podIP ?? '');
    const envCtx = { ...lookups, pod, podIP, hostIP: this.d.nodeIp, allocatable: this.d.allocatable };
    const volumes = planVolumes(pod, envCtx);
    let volumeError = volumes.ok ? undefined : volumes.message;
    if (volumes.ok) {
      try {
        await writeVolumes(this.d.dataDir, pod.metadata.uid ?? '', volumes.value);
      } catch (e) {
        volumeError = engineMessage(e);
      }
    }
    if (volumeError) {
      // kubelet leaves such a pod in ContainerCreating (and says why in a FailedMount event).
      ctx.waiting.set(c.name, { reason: 'ContainerCreating', message: volumeError });
      this.d.events?.failedMount(pod, volumeError);
      this.requeue(ctx, retryMs);
      return;
    }
    const spec = containerSpecFor({
      ...envCtx,
      container: c,
      attempt,
      nodeName: this.d.nodeName,
      dataDir: this.d.dataDir,
      clusterDns: this.d.clusterDns,
    });
    if (!spec.ok) {
      ctx.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: spec.message });
      this.d.events?.failed(pod, c, spec.message);
      this.requeue(ctx, retryMs);
      return;
    }
    let id: string;
    try {
      id = await this.d.engine.createContainer(spec.value);
      this.stats.creates++;
    } catch (e) {
      ctx.waiting.set(c.name, { reason: 'CreateContainerError', message: engineMessage(e) });
      this.d.events?.failed(pod, c, engineMessage(e));
      this.requeue(ctx, retryMs);
      // The name may exist already (the cache missed a container): look again before retrying.
      await this.refreshPod(pod.metadata.uid ?? '').catch(() => undefined);
      return;
    }
    this.d.events?.created(pod, c);
    await this.refresh(id);
    try {
      await this.d.engine.startContainer(id);
      this.d.events?.started(pod, c);
    } catch (e) {
      this.d.events?.failed(pod, c, engineMessage(e));
      state.overrides.set(id, { error: engineMessage(e), finishedAt: new Date().toISOString() });
      ctx.waiting.set(c.name, { reason: 'RunContainerError', message: engineMessage(e) });
      this.requeue(ctx, 0);
    }
    await this.refresh(id);
  }

  /** Removes attempts older than the previous one (kept for `logs --previous`). */
  private async collectOldAttempts(uid: string): Promise<void> {
    for (const list of groupByContainer(this.d.cache.forPod(uid)).values()) {
      for (const old of list.slice(KEEP_ATTEMPTS)) {
        if (!isExited(old) && old.status !== 'created') continue;
        await this.d.engine.removeContainer(old.id).catch(() => undefined);
        this.d.cache.remove(old.id);
      }
    }
  }

  // ---------------------------------------------------------------- status and probes

  private async writeStatus(pod: Pod, state: PodState, status: PodStatus): Promise<void> {
    const rv = pod.metadata.resourceVersion ?? '';
    // Until the informer shows our last write, that write is what the API has.
    const current = state.written && state.written.baseRv === rv ? state.written.status : pod.status;
    const patch = statusPatch(current, status);
    if (!patch) return;
    try {
      await this.d.client.mergePatch(
        `${podPath(pod.metadata.namespace ?? '', pod.metadata.name ?? '')}/status`,
        {
          status: patch,
        },
      );
      this.stats.statusWrites++;
      state.written = { baseRv: rv, status };
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  }

  private probeSubjects(pod: Pod, histories: ReadonlyMap<string, History>, podIP: string): ProbeSubject[] {
    const out: ProbeSubject[] = [];
    const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
    const probed = [...(pod.spec.initContainers ?? []).filter(isSidecar), ...(pod.spec.containers ?? [])];
    for (const c of probed) {
      const cur = histories.get(c.name)?.[0];
      if (!cur || cur.status !== 'running') continue;
      if (!c.livenessProbe && !c.readinessProbe && !c.startupProbe) continue;
      const known = statuses.find((s) => s.name === c.name);
      const engineName = this.d.engineName();
      out.push({
        podUid: pod.metadata.uid ?? '',
        containerId: cur.id,
        container: c,
        startedAt: cur.startedAt,
        ip: pod.spec.hostNetwork ? this.d.nodeIp : cur.ip || podIP,
        seedReady: known?.containerID === `${engineName}://${cur.id}` ? known.ready : undefined,
      });
    }
    return out;
  }
}
