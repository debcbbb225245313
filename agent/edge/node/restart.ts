/**
 * What to do next with each container of a pod, from what the engine shows and the back-off
 * state alone (kubelet's computePodActions, minus sandboxes): create the next attempt, start one
 * left created, kill one that failed its liveness probe, wait out a crash back-off, or nothing.
 */
import type { ObservedContainer } from '../engine/engine.js';
import { attemptOf } from './container-spec.js';
import {
  backoffNext,
  backoffRemaining,
  formatGoDuration,
  type BackoffConfig,
  type BackoffEntry,
} from './backoff.js';
import { exitCodeOf, finishedMs, isExited, type History } from './history.js';
import { podDesc, type Container, type Pod, type RestartPolicy } from '../../../api/core.js';

export interface Waiting {
  reason: string;
  message?: string;
}

export type ContainerAction =
  /** Running, or finished for good. */
  | { kind: 'none' }
  /** Create and start the next attempt; store `backoff` for the container once it is created. */
  | { kind: 'create'; attempt: number; backoff?: BackoffEntry }
  /** Created but never started (the agent stopped in between): start it. */
  | { kind: 'start'; id: string }
  /** Failed its liveness or startup probe. */
  | { kind: 'kill'; id: string }
  /** Crash back-off: try again in retryInMs. */
  | { kind: 'wait'; waiting: Waiting; retryInMs: number };

export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return exitCode !== 0;
  return false;
}

export function restartPolicyOf(pod: Pod): RestartPolicy {
  const p = pod.spec.restartPolicy;
  return p === 'OnFailure' || p === 'Never' ? p : 'Always';
}

/** Init containers run to success: they are retried unless the pod never restarts anything. */
export function initRestartPolicy(pod: Pod): RestartPolicy {
  return restartPolicyOf(pod) === 'Never' ? 'Never' : 'OnFailure';
}

export interface DecideInput {
  pod: Pod;
  container: Container;
  history: History;
  policy: RestartPolicy;
  backoff: BackoffEntry | undefined;
  /** Container ids whose liveness or startup probe failed. */
  unhealthy: ReadonlySet<string>;
  nowMs: number;
  cfg: BackoffConfig;
}

export function crashLoopMessage(delayMs: number, container: string, pod: Pod): string {
  return `back-off ${formatGoDuration(delayMs)} restarting failed container=${container} pod=${podDesc(pod)}`;
}

export function decideContainer(i: DecideInput): ContainerAction {
  const cur: ObservedContainer | undefined = i.history[0];
  if (!cur) return { kind: 'create', attempt: 0 };
  if (cur.status === 'running')
    return i.unhealthy.has(cur.id) ? { kind: 'kill', id: cur.id } : { kind: 'none' };
  if (cur.status === 'unknown') return { kind: 'none' };
  if (!isExited(cur)) return { kind: 'start', id: cur.id };
  if (!shouldRestart(i.policy, exitCodeOf(cur))) return { kind: 'none' };
  const eventMs = finishedMs(cur, i.nowMs);
  const remaining = backoffRemaining(i.backoff, eventMs, i.nowMs, i.cfg);
  if (remaining > 0 && i.backoff)
    return {
      kind: 'wait',
      waiting: {
        reason: 'CrashLoopBackOff',
        message: crashLoopMessage(i.backoff.delayMs, i.container.name, i.pod),
      },
      retryInMs: remaining,
    };
  return {
    kind: 'create',
    attempt: Math.max(0, attemptOf(cur.labels)) + 1,
    backoff: backoffNext(i.backoff, eventMs, i.cfg),
  };
}

export interface PlanInput {
  pod: Pod;
  /** By container name, newest attempt first. */
  histories: ReadonlyMap<string, History>;
  backoffs: ReadonlyMap<string, BackoffEntry>;
  unhealthy: ReadonlySet<string>;
  nowMs: number;
  cfg: BackoffConfig;
}

export interface PlannedAction {
  container: Container;
  init: boolean;
  action: ContainerAction;
}

export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** A sidecar: an init container with restartPolicy Always, kept running next to the app. */
export function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/** An init container is done when it succeeded; a sidecar, once it started. */
export function initDone(c: Container, history: History): boolean {
  const cur = history[0];
  if (!cur) return false;
  if (isSidecar(c)) return cur.status === 'running' || (isExited(cur) && Boolean(cur.startedAt));
  return isExited(cur) && exitCodeOf(cur) === 0;
}

/**
 * The pod is initialized when every init container is done, or when an app container already ran
 * (its init containers' records may be gone, e.g. removed by hand: kubelet does not rerun them).
 */
export function initialized(pod: Pod, histories: ReadonlyMap<string, History>): boolean {
  if ((pod.spec.containers ?? []).some((c) => (histories.get(c.name) ?? []).length > 0)) return true;
  return (pod.spec.initContainers ?? []).every((c) => initDone(c, histories.get(c.name) ?? []));
}

export function planPod(i: PlanInput): PlannedAction[] {
  const { pod } = i;
  if (isTerminalPhase(pod.status?.phase)) return [];
  const decide = (container: Container, policy: RestartPolicy): ContainerAction =>
    decideContainer({
      pod,
      container,
      history: i.histories.get(container.name) ?? [],
      policy,
      backoff: i.backoffs.get(container.name),
      unhealthy: i.unhealthy,
      nowMs: i.nowMs,
      cfg: i.cfg,
    });
  const inits = pod.spec.initContainers ?? [];
  const sidecar = (c: Container): PlannedAction => ({
    container: c,
    init: true,
    action: decide(c, 'Always'),
  });
  if (!initialized(pod, i.histories)) {
    const out: PlannedAction[] = [];
    for (const c of inits) {
      if (initDone(c, i.histories.get(c.name) ?? [])) {
        // Sidecars started earlier are kept running while the next init containers run.
        if (isSidecar(c)) out.push(sidecar(c));
        continue;
      }
      // One init container at a time, in order.
      out.push(
        isSidecar(c) ? sidecar(c) : { container: c, init: true, action: decide(c, initRestartPolicy(pod)) },
      );
      return out;
    }
  }
  const policy = restartPolicyOf(pod);
  return [
    ...inits.filter(isSidecar).map(sidecar),
    ...(pod.spec.containers ?? []).map((c) => ({ container: c, init: false, action: decide(c, policy) })),
  ];
}
