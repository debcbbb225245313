/**
 * When an update is needed (pure). Two questions:
 * - did the Work change since the last successful apply? (a hash of the manifest and the retention
 *   options, kept in the cache; catches fields the new manifest dropped, which a subset test cannot);
 * - did the member drift? (the desired object, after retention, is not covered by the member's).
 *
 * "Covered": every field of desired has an equal value in the member; maps may carry more keys
 * (defaults, fields the member's controllers own), lists must have the same length with each
 * element covered, and an empty map/list or null in desired matches an absent field (API servers
 * drop them).
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../api/kubernetes.js';

export function manifestHash(manifest: KubeObject, retainReplicas: boolean | undefined): string {
  return createHash('sha256')
    .update(canonical({ manifest, retainReplicas: Boolean(retainReplicas) }))
    .digest('hex')
    .slice(0, 32);
}

export function coveredBy(desired: unknown, actual: unknown): boolean {
  if (isEmpty(desired) && (actual === undefined || isEmpty(actual))) return true;
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual) || actual.length !== desired.length) return false;
    return desired.every((d, i) => coveredBy(d, actual[i]));
  }
  if (typeof desired === 'object' && desired !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(
      ([k, v]) => v === undefined || coveredBy(v, a[k]),
    );
  }
  return desired === actual;
}

/** Whether the member object needs a write to match desired (resourceVersion aside). */
export function needsUpdate(desired: KubeObject, member: KubeObject): boolean {
  const { resourceVersion: _rv, ...meta } = desired.metadata;
  return !coveredBy({ ...desired, metadata: meta }, member);
}

function isEmpty(v: unknown): boolean {
  if (v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

/** JSON with sorted keys, so equal objects hash equally whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
