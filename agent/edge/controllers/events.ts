/**
 * The Events kube-controller-manager's workload controllers record (reasons and messages as in
 * pkg/controller: SuccessfulCreate "Created pod: x", ScalingReplicaSet "Scaled up replica set x to
 * 3 from 0", Job "Completed"), written through the client's recorder: asynchronous, deduplicated
 * and spam-filtered. Only writes the controllers make emit: a resync that changes nothing emits
 * nothing.
 */
import { EventBroadcaster, refFor, type EventRecorder, type EventSubject } from '../../../client/events.js';
import type { KubeClient } from '../../../client/client.js';
import type { RuntimeLogger } from '../../../client/log.js';
import type { JobCondition } from './types.js';

const TYPES = {
  ReplicaSet: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  Deployment: { apiVersion: 'apps/v1', kind: 'Deployment' },
  Job: { apiVersion: 'batch/v1', kind: 'Job' },
} as const;
type Owner = keyof typeof TYPES;

/** "up" or "down" and the message kube's deployment controller writes for one resize. */
export function scalingMessage(rsName: string, from: number, to: number): string {
  return `Scaled ${to > from ? 'up' : 'down'} replica set ${rsName} to ${to} from ${from}`;
}

/** The Event a newly finished Job gets: Normal Completed, or Warning with the Failed condition's reason. */
export function jobFinishedEvent(
  conditions: readonly JobCondition[] | undefined,
): { type: 'Normal' | 'Warning'; reason: string; message: string } | undefined {
  const done = conditions?.find((c) => c.type === 'Complete' && c.status === 'True');
  if (done) return { type: 'Normal', reason: 'Completed', message: 'Job completed' };
  const failed = conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) return { type: 'Warning', reason: failed.reason ?? 'Failed', message: failed.message ?? '' };
  return undefined;
}

export class SiteEvents {
  private readonly broadcaster: EventBroadcaster;
  private readonly recorders: Record<Owner, EventRecorder>;

  constructor(client: KubeClient, log: RuntimeLogger) {
    this.broadcaster = new EventBroadcaster({ client, log });
    this.recorders = {
      ReplicaSet: this.broadcaster.newRecorder({ component: 'replicaset-controller' }),
      Deployment: this.broadcaster.newRecorder({ component: 'deployment-controller' }),
      Job: this.broadcaster.newRecorder({ component: 'job-controller' }),
    };
  }

  private emit(
    kind: Owner,
    o: EventSubject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    this.recorders[kind].event(refFor(o, TYPES[kind]), type, reason, message);
  }

  createdPod(kind: 'ReplicaSet' | 'Job', owner: EventSubject, pod: string): void {
    this.emit(kind, owner, 'Normal', 'SuccessfulCreate', `Created pod: ${pod}`);
  }

  createPodFailed(kind: 'ReplicaSet' | 'Job', owner: EventSubject, err: unknown): void {
    this.emit(
      kind,
      owner,
      'Warning',
      'FailedCreate',
      `Error creating: ${(err as Error)?.message ?? String(err)}`,
    );
  }

  deletedPod(kind: 'ReplicaSet' | 'Job', owner: EventSubject, pod: string): void {
    this.emit(kind, owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod}`);
  }

  scaled(d: EventSubject, rsName: string, from: number, to: number): void {
    if (from !== to)
      this.emit('Deployment', d, 'Normal', 'ScalingReplicaSet', scalingMessage(rsName, from, to));
  }

  /** Called with the status about to be written: emits once, when the Job becomes finished. */
  jobStatus(
    job: EventSubject & { status?: { conditions?: JobCondition[] } },
    next: { conditions?: JobCondition[] },
  ): void {
    if (jobFinishedEvent(job.status?.conditions)) return;
    const e = jobFinishedEvent(next.conditions);
    if (e) this.emit('Job', job, e.type, e.reason, e.message);
  }

  shutdown(): Promise<void> {
    return this.broadcaster.shutdown();
  }
}
