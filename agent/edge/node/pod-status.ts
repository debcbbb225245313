/**
 * The pod status kubelet would report, from what the engine shows, why the runtime could not run
 * a container (the waiting reasons of its last sync) and the probe results. Pure: the same inputs
 * give the same status, times included (they come from the engine or from the previous status), so
 * a quiet resync produces no write.
 */
import type { ObservedContainer } from '../engine/engine.js';
import { jsonEqual } from '../../../apiserver/json-equal.js';
import { attemptOf } from './container-spec.js';
import { exitCodeOf, isExited, toSeconds, type History } from './history.js';
import {
  initDone,
  initialized,
  isSidecar,
  isTerminalPhase,
  restartPolicyOf,
  type Waiting,
} from './restart.js';
import type {
  Container,
  ContainerState,
  ContainerStateTerminated,
  ContainerStatus,
  Pod,
  PodCondition,
  PodPhase,
  PodStatus,
} from '../../../api/core.js';

export interface ProbeView {
  /** Readiness result; undefined when the container has no readiness probe. */
  ready?: boolean;
  /** Startup result; undefined when the container has no startup probe. */
  started?: boolean;
}

export interface PodStatusInput {
  pod: Pod;
  /** By container name, newest attempt first. */
  histories: ReadonlyMap<string, History>;
  /** By container name: why it is not running although it should be. */
  waiting: ReadonlyMap<string, Waiting>;
  /** By container id. */
  probes: ReadonlyMap<string, ProbeView>;
  /** `docker`, `podman`, `simulated`: the containerID scheme. */
  engineName: string;
  nodeIp: string;
  /** RFC 3339 (seconds) for new transitions and startTime. */
  now: string;
}

export function terminatedReason(c: ObservedContainer): string {
  if (c.oomKilled) return 'OOMKilled';
  if (c.status === 'created' && c.error) return 'StartError';
  return exitCodeOf(c) === 0 ? 'Completed' : 'Error';
}

function terminated(c: ObservedContainer, engineName: string): ContainerStateTerminated {
  const t: ContainerStateTerminated = { exitCode: exitCodeOf(c), reason: terminatedReason(c) };
  if (c.error) t.message = c.error;
  const startedAt = toSeconds(c.startedAt);
  const finishedAt = toSeconds(c.finishedAt);
  if (startedAt) t.startedAt = startedAt;
  if (finishedAt) t.finishedAt = finishedAt;
  t.containerID = `${engineName}://${c.id}`;
  return t;
}

function lastStateOf(c: ObservedContainer | undefined, engineName: string): ContainerState {
  return c && isExited(c) ? { terminated: terminated(c, engineName) } : {};
}

export function containerStatusFor(
  spec: Container,
  history: History,
  waiting: Waiting | undefined,
  probes: ReadonlyMap<string, ProbeView>,
  engineName: string,
  defaultWaiting: string,
): ContainerStatus {
  const [cur, prev] = history;
  const status: ContainerStatus = {
    name: spec.name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: cur ? Math.max(0, attemptOf(cur.labels)) : 0,
    image: spec.image ?? '',
    imageID: cur?.imageId ?? '',
    started: false,
  };
  if (cur) status.containerID = `${engineName}://${cur.id}`;
  if (cur?.status === 'running') {
    const p = probes.get(cur.id) ?? {};
    const started = p.started ?? true;
    status.state = { running: withDefined({ startedAt: toSeconds(cur.startedAt) }) };
    status.lastState = lastStateOf(prev, engineName);
    status.started = started;
    status.ready = started && (p.ready ?? true);
  } else if (waiting) {
    status.state = { waiting: withDefined({ reason: waiting.reason, message: waiting.message }) };
    // The instance that just ended is what the next attempt replaces.
    status.lastState = cur && isExited(cur) ? lastStateOf(cur, engineName) : lastStateOf(prev, engineName);
  } else if (cur && isExited(cur)) {
    status.state = { terminated: terminated(cur, engineName) };
    status.lastState = lastStateOf(prev, engineName);
  } else {
    status.state = { waiting: { reason: cur ? 'ContainerCreating' : defaultWaiting } };
    status.lastState = lastStateOf(prev, engineName);
  }
  return status;
}

function withDefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** kubelet's getPhase. */
export function podPhase(pod: Pod, init: ContainerStatus[], app: ContainerStatus[]): PodPhase {
  let pendingInit = 0;
  let failedInit = 0;
  const sidecars = new Set((pod.spec.initContainers ?? []).filter(isSidecar).map((c) => c.name));
  for (const s of init) {
    if (sidecars.has(s.name)) {
      if (!s.started) pendingInit++;
      continue;
    }
    if (s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.lastState.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of app) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState.terminated) stopped++;
    else waiting++;
  }
  const policy = restartPolicyOf(pod);
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  const appStarted = app.some((s) => s.state.running || s.state.terminated || s.lastState.terminated);
  if ((pendingInit > 0 && !appStarted) || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** The QoS class kube assigns at creation (status.qosClass), for pods created without one. */
export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    for (const r of ['cpu', 'memory']) {
      if (limits[r] !== undefined || requests[r] !== undefined) any = true;
      if (limits[r] === undefined) guaranteed = false;
      else if (requests[r] !== undefined && String(requests[r]) !== String(limits[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The condition types this runtime owns; others (readiness gates' conditions) are kept as they are. */
export const OWNED_CONDITIONS = [
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
  'PodScheduled',
];

function condition(
  type: string,
  ok: boolean,
  previous: PodCondition[] | undefined,
  now: string,
  reason?: string,
  message?: string,
): PodCondition {
  const status = ok ? 'True' : 'False';
  const old = previous?.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : now,
  };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

function readinessGateProblem(pod: Pod, conditions: PodCondition[] | undefined): string | undefined {
  const problems: string[] = [];
  for (const g of pod.spec.readinessGates ?? []) {
    const c = conditions?.find((x) => x.type === g.conditionType);
    if (!c)
      problems.push(`corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`);
    else if (c.status !== 'True')
      problems.push(`the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`);
  }
  return problems.length ? problems.join(', ') : undefined;
}

function podIPOf(pod: Pod, histories: ReadonlyMap<string, History>, nodeIp: string): string | undefined {
  if (pod.spec.hostNetwork) return nodeIp;
  const all = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])];
  for (const running of [true, false]) {
    for (const c of all) {
      const cur = histories.get(c.name)?.[0];
      if (cur?.ip && (!running || cur.status === 'running')) return cur.ip;
    }
  }
  // The containers that had one are gone: kube keeps a pod's IP for its whole life.
  return pod.status?.podIP;
}

export function computePodStatus(i: PodStatusInput): PodStatus {
  const { pod, histories } = i;
  const previous = pod.status;
  const inits = pod.spec.initContainers ?? [];
  const defaultWaiting = inits.length > 0 ? 'PodInitializing' : 'ContainerCreating';
  const statusOf = (c: Container): ContainerStatus =>
    containerStatusFor(
      c,
      histories.get(c.name) ?? [],
      i.waiting.get(c.name),
      i.probes,
      i.engineName,
      defaultWaiting,
    );
  const initStatuses = inits.map(statusOf);
  const appStatuses = (pod.spec.containers ?? []).map(statusOf);
  let phase = podPhase(pod, initStatuses, appStatuses);
  if (isTerminalPhase(previous?.phase)) phase = previous!.phase!;

  const conds = previous?.conditions;
  const anyContainer = [...histories.values()].some((h) => h.length > 0);
  const isInitialized = inits.length === 0 || initialized(pod, histories);
  const incomplete = inits.filter((c) => !initDone(c, histories.get(c.name) ?? [])).map((c) => c.name);
  const sidecarStatuses = initStatuses.filter((s) => inits.some((c) => c.name === s.name && isSidecar(c)));
  const unready = [...sidecarStatuses, ...appStatuses].filter((s) => !s.ready).map((s) => s.name);
  let readyReason: string | undefined;
  let readyMessage: string | undefined;
  if (phase === 'Succeeded') readyReason = 'PodCompleted';
  else if (unready.length) {
    readyReason = 'ContainersNotReady';
    readyMessage = `containers with unready status: [${unready.join(' ')}]`;
  }
  const containersReady = readyReason === undefined;
  const gateProblem = containersReady ? readinessGateProblem(pod, conds) : undefined;
  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', anyContainer, conds, i.now),
    isInitialized
      ? condition('Initialized', true, conds, i.now)
      : condition(
          'Initialized',
          false,
          conds,
          i.now,
          'ContainersNotInitialized',
          `containers with incomplete status: [${incomplete.join(' ')}]`,
        ),
    gateProblem
      ? condition('Ready', false, conds, i.now, 'ReadinessGatesNotReady', gateProblem)
      : condition('Ready', containersReady, conds, i.now, readyReason, readyMessage),
    condition('ContainersReady', containersReady, conds, i.now, readyReason, readyMessage),
    condition('PodScheduled', true, conds, i.now),
    ...(conds ?? []).filter((c) => !OWNED_CONDITIONS.includes(c.type)),
  ];

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: i.nodeIp,
    hostIPs: [{ ip: i.nodeIp }],
    startTime: previous?.startTime ?? i.now,
    containerStatuses: appStatuses,
    qosClass: previous?.qosClass ?? qosClass(pod),
  };
  const ip = podIPOf(pod, histories, i.nodeIp);
  if (ip) {
    status.podIP = ip;
    status.podIPs = [{ ip }];
  }
  if (inits.length) status.initContainerStatuses = initStatuses;
  return status;
}

/** The status keys computePodStatus owns: only these are compared and patched. */
const OWNED_KEYS: (keyof PodStatus)[] = [
  'phase',
  'conditions',
  'hostIP',
  'hostIPs',
  'podIP',
  'podIPs',
  'startTime',
  'containerStatuses',
  'initContainerStatuses',
  'qosClass',
];

/**
 * The merge patch that makes `current` carry `next` in the keys the runtime owns, or undefined
 * when nothing would change (no write on a quiet resync). Arrays are replaced whole by a merge
 * patch, which is what container statuses need.
 */
export function statusPatch(
  current: PodStatus | undefined,
  next: PodStatus,
): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  for (const k of OWNED_KEYS) {
    const a = current?.[k];
    const b = next[k];
    if (jsonEqual(a, b)) continue;
    patch[k] = b === undefined ? null : b;
  }
  return Object.keys(patch).length ? patch : undefined;
}
