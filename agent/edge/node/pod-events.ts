/**
 * The Events kubelet records about pods (pkg/kubelet/events: reasons and message formats), so
 * `kubectl describe pod` / `kubectl get events` at an edge site read as they do on a kubelet node.
 * Events go through the client's recorder: asynchronous, deduplicated, spam-filtered; emitting one
 * never blocks or fails a pod sync.
 *
 * Only actions emit (a pull, a create, a start, a kill, a back-off wait): a sync that changes
 * nothing emits nothing, so resyncs cost no writes.
 */
import type { EventRecorder, EventType } from '../../../client/events.js';
import type { ProbeKind } from './probe-state.js';
import type { Container, Pod } from '../../../api/core.js';

/** kubelet's event reasons (pkg/kubelet/events/event.go). */
export const REASONS = {
  scheduled: 'Scheduled',
  pulling: 'Pulling',
  pulled: 'Pulled',
  failed: 'Failed',
  backOff: 'BackOff',
  created: 'Created',
  started: 'Started',
  killing: 'Killing',
  unhealthy: 'Unhealthy',
  failedMount: 'FailedMount',
  neverPull: 'ErrImageNeverPull',
} as const;

const PROBE_NAMES: Record<ProbeKind, string> = {
  liveness: 'Liveness',
  readiness: 'Readiness',
  startup: 'Startup',
};

/** `spec.containers{name}`: the part of the pod an event is about. */
export function containerFieldPath(pod: Pod, name: string): string {
  const init = (pod.spec.initContainers ?? []).some((c) => c.name === name);
  return `spec.${init ? 'initContainers' : 'containers'}{${name}}`;
}

/** Go's time.Duration String() for what kubelet prints (1.234s, 250ms). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}

export class KubeletEvents {
  /** Pods announced as scheduled (by uid; forgotten with the pod). */
  private readonly scheduledUids = new Set<string>();

  constructor(
    private readonly kubelet: EventRecorder,
    /** Records as default-scheduler: a site's one node is where every pod is assigned. */
    private readonly scheduler: EventRecorder,
    private readonly nodeName: string,
  ) {}

  private emit(
    pod: Pod,
    container: string | undefined,
    type: EventType,
    reason: string,
    message: string,
  ): void {
    this.kubelet.event(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: pod.metadata.namespace,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
        resourceVersion: pod.metadata.resourceVersion,
        ...(container ? { fieldPath: containerFieldPath(pod, container) } : {}),
      },
      type,
      reason,
      message,
    );
  }

  /** Once per pod this node admits that has not been reported scheduled yet. */
  scheduled(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    if (this.scheduledUids.has(uid)) return;
    this.scheduledUids.add(uid);
    if (pod.status?.conditions?.some((c) => c.type === 'PodScheduled')) return;
    const { namespace, name } = pod.metadata;
    this.scheduler.event(
      { apiVersion: 'v1', kind: 'Pod', namespace, name, uid },
      'Normal',
      REASONS.scheduled,
      `Successfully assigned ${namespace ?? ''}/${name ?? ''} to ${this.nodeName}`,
    );
  }

  forget(uid: string): void {
    this.scheduledUids.delete(uid);
  }

  alreadyPresent(pod: Pod, c: Container): void {
    this.emit(
      pod,
      c.name,
      'Normal',
      REASONS.pulled,
      `Container image "${c.image ?? ''}" already present on machine`,
    );
  }

  pulling(pod: Pod, c: Container): void {
    this.emit(pod, c.name, 'Normal', REASONS.pulling, `Pulling image "${c.image ?? ''}"`);
  }

  pulled(pod: Pod, c: Container, tookMs: number): void {
    const d = goDuration(tookMs);
    this.emit(
      pod,
      c.name,
      'Normal',
      REASONS.pulled,
      `Successfully pulled image "${c.image ?? ''}" in ${d} (${d} including waiting)`,
    );
  }

  pullFailed(pod: Pod, c: Container, reason: string, message: string): void {
    this.emit(pod, c.name, 'Warning', REASONS.failed, `Failed to pull image "${c.image ?? ''}": ${message}`);
    this.emit(pod, c.name, 'Warning', REASONS.failed, `Error: ${reason}`);
  }

  pullBackOff(pod: Pod, c: Container): void {
    this.emit(pod, c.name, 'Normal', REASONS.backOff, `Back-off pulling image "${c.image ?? ''}"`);
    this.emit(pod, c.name, 'Warning', REASONS.failed, 'Error: ImagePullBackOff');
  }

  neverPull(pod: Pod, c: Container, message: string): void {
    this.emit(pod, c.name, 'Warning', REASONS.neverPull, message);
    this.emit(pod, c.name, 'Warning', REASONS.failed, `Error: ${REASONS.neverPull}`);
  }

  /** A container that could not be configured, created or started (`Error: ...`). */
  failed(pod: Pod, c: Container, message: string): void {
    this.emit(pod, c.name, 'Warning', REASONS.failed, `Error: ${message}`);
  }

  failedMount(pod: Pod, message: string): void {
    this.emit(pod, undefined, 'Warning', REASONS.failedMount, message);
  }

  created(pod: Pod, c: Container): void {
    this.emit(pod, c.name, 'Normal', REASONS.created, `Created container ${c.name}`);
  }

  started(pod: Pod, c: Container): void {
    this.emit(pod, c.name, 'Normal', REASONS.started, `Started container ${c.name}`);
  }

  crashLoop(pod: Pod, c: Container): void {
    const { namespace, name, uid } = pod.metadata;
    this.emit(
      pod,
      c.name,
      'Warning',
      REASONS.backOff,
      `Back-off restarting failed container ${c.name} in pod ${name ?? ''}_${namespace ?? ''}(${uid ?? ''})`,
    );
  }

  /** Stopping a container: the pod is deleted, or its liveness probe failed. */
  killing(pod: Pod, container: string, why?: 'liveness' | 'startup'): void {
    const message = why
      ? `Container ${container} failed ${why} probe, will be restarted`
      : `Stopping container ${container}`;
    this.emit(pod, container, 'Normal', REASONS.killing, message);
  }

  probeFailed(pod: Pod, container: string, kind: ProbeKind, output: string): void {
    this.emit(pod, container, 'Warning', REASONS.unhealthy, `${PROBE_NAMES[kind]} probe failed: ${output}`);
  }
}
