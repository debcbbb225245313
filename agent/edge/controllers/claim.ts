/**
 * kube's ControllerRefManager decision (pure): which candidates a controller owns, which orphans
 * it adopts, which of its own it releases because they no longer match its selector.
 */
import type { KubeObject, OwnerReference } from '../../../api/kubernetes.js';
import { controllerOf } from './meta.js';

export interface Claim<T> {
  /** Already controlled by the owner and matching. */
  owned: T[];
  /** Orphans that match: the owner adds itself as controller. */
  adopt: T[];
  /** Controlled by the owner but no longer matching: the owner removes itself. */
  release: T[];
}

export function claimObjects<T extends KubeObject>(
  owner: KubeObject,
  matches: (o: T) => boolean,
  candidates: readonly T[],
): Claim<T> {
  const out: Claim<T> = { owned: [], adopt: [], release: [] };
  const ownerDeleting = Boolean(owner.metadata.deletionTimestamp);
  for (const o of candidates) {
    const ref = controllerOf(o);
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (matches(o)) out.owned.push(o);
      else if (!ownerDeleting) out.release.push(o);
      continue;
    }
    // A deleting owner adopts nothing; a deleting object is not worth adopting.
    if (ownerDeleting || o.metadata.deletionTimestamp || !matches(o)) continue;
    out.adopt.push(o);
  }
  return out;
}

/** Merge patch adding owner as controller; the resourceVersion makes it fail if the object moved. */
export function adoptPatch(o: KubeObject, controllerRef: OwnerReference): object {
  return {
    metadata: {
      resourceVersion: o.metadata.resourceVersion,
      ownerReferences: [...(o.metadata.ownerReferences ?? []), controllerRef],
    },
  };
}

/** Merge patch removing every reference to the owner. */
export function releasePatch(o: KubeObject, ownerUid: string): object {
  const refs = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  return {
    metadata: { resourceVersion: o.metadata.resourceVersion, ownerReferences: refs.length ? refs : null },
  };
}
