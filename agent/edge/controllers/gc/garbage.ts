/**
 * Which objects the site's garbage collector deletes (pure): kube's rule for dependents, for the
 * owners the site controllers know. An object with owner references is garbage when none of its
 * owners exists any more (same uid: a namesake created since does not count). An owner of a kind
 * the collector does not follow keeps the object alive: unknown is not gone.
 */
import type { OwnerReference } from '../../../../api/kubernetes.js';

/** Owner kinds the collector follows, by `apiVersion/kind`, with their resource. */
export const FOLLOWED_OWNERS: Readonly<Record<string, { group: string; version: string; resource: string }>> =
  {
    'apps/v1/Deployment': { group: 'apps', version: 'v1', resource: 'deployments' },
    'apps/v1/ReplicaSet': { group: 'apps', version: 'v1', resource: 'replicasets' },
    'batch/v1/Job': { group: 'batch', version: 'v1', resource: 'jobs' },
  };

export function ownerKind(ref: OwnerReference): string {
  return `${ref.apiVersion}/${ref.kind}`;
}

/**
 * ownerExists answers true/false for an owner of a followed kind; isGarbage never asks about the
 * others.
 */
export function isGarbage(
  ownerReferences: readonly OwnerReference[] | undefined,
  ownerExists: (ref: OwnerReference) => boolean,
): boolean {
  const refs = ownerReferences ?? [];
  if (refs.length === 0) return false;
  if (refs.some((r) => !(ownerKind(r) in FOLLOWED_OWNERS))) return false;
  return refs.every((r) => !ownerExists(r));
}
