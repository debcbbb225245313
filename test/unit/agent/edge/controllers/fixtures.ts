/** Builders for the edge-controller unit tests: small objects with only the fields under test. */
import type {
  ContainerStatus,
  Deployment,
  Pod,
  ReplicaSet,
} from '../../../../../agent/edge/controllers/types.js';
import type { PodPhase } from '../../../../../api/core.js';

export const T0 = Date.parse('2024-05-01T12:00:00Z');

/** An RFC 3339 time `s` seconds after T0. */
export function at(s: number): string {
  return new Date(T0 + s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface PodOptions {
  node?: string;
  /** '' is a pod the API returned without a phase. */
  phase?: PodPhase | '';
  ready?: boolean;
  /** Seconds after T0 the pod became ready. */
  readySince?: number;
  created?: number;
  restarts?: number;
  deleting?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  owner?: { kind: string; name: string; uid: string };
  finalizers?: string[];
  uid?: string;
  /** Seconds after T0 the containers terminated. */
  finishedAt?: number;
}

export function pod(name: string, o: PodOptions = {}): Pod {
  const p: Pod = {
    metadata: {
      name,
      namespace: 'ns',
      uid: o.uid ?? `uid-${name}`,
      creationTimestamp: at(o.created ?? 0),
    },
    spec: { nodeName: o.node ?? 'node-1', containers: [{ name: 'c' }] },
    status: { phase: (o.phase ?? 'Running') as PodPhase },
  };
  if (o.labels) p.metadata.labels = o.labels;
  if (o.annotations) p.metadata.annotations = o.annotations;
  if (o.deleting) p.metadata.deletionTimestamp = at(100);
  if (o.finalizers) p.metadata.finalizers = o.finalizers;
  if (o.owner) p.metadata.ownerReferences = [{ apiVersion: 'v1', ...o.owner, controller: true }];
  if (o.ready !== undefined) {
    p.status!.conditions = [
      { type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: at(o.readySince ?? 0) },
    ];
  }
  if (o.restarts !== undefined || o.finishedAt !== undefined) {
    p.status!.containerStatuses = [
      {
        name: 'c',
        restartCount: o.restarts ?? 0,
        ...(o.finishedAt !== undefined
          ? { state: { terminated: { exitCode: 1, finishedAt: at(o.finishedAt) } } }
          : {}),
      } as ContainerStatus, // only what the controllers read
    ];
  }
  return p;
}

export interface RSOptions {
  replicas: number;
  available?: number;
  ready?: number;
  actual?: number;
  created?: number;
  revision?: number;
  annotations?: Record<string, string>;
  image?: string;
  generation?: number;
  observedGeneration?: number;
}

export function rs(name: string, o: RSOptions): ReplicaSet {
  const annotations: Record<string, string> = { ...(o.annotations ?? {}) };
  if (o.revision !== undefined) annotations['deployment.kubernetes.io/revision'] = String(o.revision);
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      creationTimestamp: at(o.created ?? 0),
      annotations,
      generation: o.generation ?? 1,
    },
    spec: {
      replicas: o.replicas,
      template: {
        metadata: { labels: { app: 'a' } },
        spec: { containers: [{ name: 'c', image: o.image ?? 'img:1' }] },
      },
    },
    status: {
      replicas: o.actual ?? o.replicas,
      readyReplicas: o.ready ?? o.available ?? o.replicas,
      availableReplicas: o.available ?? o.replicas,
      observedGeneration: o.observedGeneration ?? o.generation ?? 1,
    },
  };
}

export interface DeploymentOptions {
  replicas?: number;
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  recreate?: boolean;
  image?: string;
  generation?: number;
  revisionHistoryLimit?: number;
  annotations?: Record<string, string>;
  status?: Deployment['status'];
  progressDeadlineSeconds?: number;
  paused?: boolean;
}

export function deployment(o: DeploymentOptions = {}): Deployment {
  const d: Deployment = {
    metadata: { name: 'web', namespace: 'ns', uid: 'uid-web', generation: o.generation ?? 1 },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { app: 'a' } },
      template: {
        metadata: { labels: { app: 'a' } },
        spec: { containers: [{ name: 'c', image: o.image ?? 'img:1' }] },
      },
    },
  };
  if (o.recreate) d.spec!.strategy = { type: 'Recreate' };
  else if (o.maxSurge !== undefined || o.maxUnavailable !== undefined)
    d.spec!.strategy = {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: o.maxSurge, maxUnavailable: o.maxUnavailable },
    };
  if (o.revisionHistoryLimit !== undefined) d.spec!.revisionHistoryLimit = o.revisionHistoryLimit;
  if (o.progressDeadlineSeconds !== undefined) d.spec!.progressDeadlineSeconds = o.progressDeadlineSeconds;
  if (o.paused) d.spec!.paused = true;
  if (o.annotations) d.metadata.annotations = o.annotations;
  if (o.status) d.status = o.status;
  return d;
}

/** Freezes a JSON value all the way down, so any mutation by the code under test throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
