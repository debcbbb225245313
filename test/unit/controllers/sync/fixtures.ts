/** Shared fixtures for the controller unit tests. */
import type { Condition, KubeFedCluster } from '../../../../api/federation.js';

/** Freezes a JSON value all the way down, so any mutation by the code under test throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

export interface ClusterOptions {
  labels?: Record<string, string>;
  ready?: Condition['status'] | 'none';
  since?: string;
  message?: string;
  deleting?: boolean;
}

/** A KubeFedCluster with a Ready condition (True unless told otherwise). */
export function cluster(name: string, opts: ClusterOptions = {}): KubeFedCluster {
  const c: KubeFedCluster = { metadata: { name, namespace: 'kube-federation-system' } };
  if (opts.labels) c.metadata.labels = opts.labels;
  if (opts.deleting) c.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
  const ready = opts.ready ?? 'True';
  if (ready !== 'none') {
    const cond: Condition = {
      type: 'Ready',
      status: ready,
      lastTransitionTime: opts.since ?? '2024-01-01T00:00:00Z',
    };
    if (opts.message) cond.message = opts.message;
    c.status = { conditions: [cond] };
  }
  return c;
}
