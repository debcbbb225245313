/** deploymentutil's views of a Deployment's ReplicaSets: new/old, revisions, annotations, sums (pure). */
import { DEFAULT_REVISION_HISTORY_LIMIT, deploymentReplicas, replicaSetReplicas } from '../defaults.js';
import { byCreationTimestamp } from '../meta.js';
import { templatesEqualIgnoringHash } from '../pod-template-hash.js';
import type { Deployment, ReplicaSet } from '../types.js';
import { maxSurge } from './fenceposts.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';

/** Deployment annotations that are not copied to its ReplicaSets. */
const NOT_COPIED = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
]);

/** kube caps the revision-history annotation at this many characters. */
const MAX_REVISION_HISTORY_CHARS = 2000;

/** The RS's revision; 0 when absent or not a number. */
export function revisionOf(rs: ReplicaSet): number {
  const v = rs.metadata.annotations?.[REVISION_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : 0;
}

export function maxRevision(rss: readonly ReplicaSet[]): number {
  return Math.max(0, ...rss.map(revisionOf));
}

/** deploymentutil.FindNewReplicaSet: the oldest RS whose template is the Deployment's. */
export function findNewReplicaSet(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rss]
    .sort(byCreationTimestamp)
    .find((rs) => templatesEqualIgnoringHash(rs.spec?.template, d.spec?.template));
}

/** Every RS but the new one. */
export function oldReplicaSets(rss: readonly ReplicaSet[], newRS: ReplicaSet | undefined): ReplicaSet[] {
  return rss.filter((rs) => rs !== newRS && (!newRS || rs.metadata.uid !== newRS.metadata.uid));
}

/** controller.FilterActiveReplicaSets: spec.replicas > 0. */
export function activeReplicaSets(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => rs !== undefined && replicaSetReplicas(rs) > 0);
}

/** Sum of spec.replicas (GetReplicaCountForReplicaSets). */
export function specReplicasOf(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs ? replicaSetReplicas(rs) : 0), 0);
}

/** Sum of status.replicas (GetActualReplicaCountForReplicaSets). */
export function actualReplicasOf(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}

export function readyReplicasOf(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}

export function availableReplicasOf(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);
}

function annotationInt(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return annotationInt(rs, DESIRED_REPLICAS_ANNOTATION);
}

export function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return annotationInt(rs, MAX_REPLICAS_ANNOTATION);
}

/** The desired/max-replicas annotations every RS of the Deployment carries (SetReplicasAnnotations). */
export function replicasAnnotationsFor(d: Deployment): Record<string, string> {
  const replicas = deploymentReplicas(d);
  return {
    [DESIRED_REPLICAS_ANNOTATION]: String(replicas),
    [MAX_REPLICAS_ANNOTATION]: String(replicas + maxSurge(d)),
  };
}

/**
 * deploymentutil.SetNewReplicaSetAnnotations: the annotations the new RS should have. Copies the
 * Deployment's own annotations (minus the controller's), raises the revision to newRevision
 * (remembering the replaced one in revision-history: a rollback to an old template), and for an RS
 * about to be created adds the replicas annotations.
 */
export function newReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: number,
  exists: boolean,
): Record<string, string> {
  const out: Record<string, string> = { ...(rs.metadata.annotations ?? {}) };
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (!NOT_COPIED.has(k)) out[k] = v;
  }
  const oldRevision = out[REVISION_ANNOTATION];
  if (oldRevision !== undefined && !/^\d+$/.test(oldRevision)) return out;
  const oldRevisionInt = oldRevision === undefined ? 0 : Number(oldRevision);
  if (oldRevisionInt < newRevision) {
    out[REVISION_ANNOTATION] = String(newRevision);
    if (oldRevision !== undefined) {
      const history = out[REVISION_HISTORY_ANNOTATION];
      const revisions = history ? history.split(',') : [];
      revisions.push(oldRevision);
      while (revisions.join(',').length > MAX_REVISION_HISTORY_CHARS && revisions.length > 1)
        revisions.shift();
      out[REVISION_HISTORY_ANNOTATION] = revisions.join(',');
    }
  }
  if (!exists) Object.assign(out, replicasAnnotationsFor(d));
  return out;
}

/**
 * cleanupDeployment: the old RSs beyond revisionHistoryLimit, lowest revision first, that are
 * scaled to zero, have no pods left, and whose status is current (never an RS still draining).
 */
export function replicaSetsToCleanUp(d: Deployment, oldRSs: readonly ReplicaSet[]): ReplicaSet[] {
  const limit = d.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
  const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - limit;
  if (diff <= 0) return [];
  const byRevision = [...cleanable].sort(
    (a, b) => revisionOf(a) - revisionOf(b) || byCreationTimestamp(a, b),
  );
  return byRevision
    .slice(0, diff)
    .filter(
      (rs) =>
        (rs.status?.replicas ?? 0) === 0 &&
        replicaSetReplicas(rs) === 0 &&
        (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0),
    );
}
