/**
 * The sync loop owns every Work's spec: what it rendered is what the Work must say, whoever wrote
 * it since (an agent, an admin, a bug). These pure decisions compare a Work as it is with the one
 * rendered, and say what to do; the loop (type-syncer.ts) only carries them out.
 *
 * A Work that does not even parse (no spec, a spec of the wrong shape) is replaced like any other
 * drift, by an update over the existing object: creating it again would only meet AlreadyExists.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Work, WorkSource } from '../../api/federation.js';

export type WorkDecision =
  /** The Work says what was rendered. */
  | { action: 'keep' }
  /** No Work yet. */
  | { action: 'create' }
  /** Put the rendered spec (and labels) over the existing Work; `drift` names what differed. */
  | { action: 'replace'; drift: string[] }
  /** Being deleted (waiting for its agent's finalizer): a new one is created once it is gone. */
  | { action: 'wait' };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a Work's spec has the shape the loop and the agents read. */
export function specParses(spec: unknown): spec is Work['spec'] {
  return (
    isObject(spec) &&
    typeof spec.cluster === 'string' &&
    isObject(spec.source) &&
    typeof spec.source.name === 'string' &&
    typeof spec.source.resource === 'string' &&
    isObject(spec.manifest)
  );
}

/** The source's generation changes on every federated edit; only the rendered result matters. */
function withoutGeneration(spec: Work['spec']): Record<string, unknown> {
  return { ...spec, source: { ...spec.source, generation: 0 } };
}

/** What differs between an existing Work and the rendered one (field names, for logs and tests). */
export function workDrift(existing: { metadata: Work['metadata']; spec?: unknown }, desired: Work): string[] {
  const drift: string[] = [];
  if (!specParses(existing.spec))
    drift.push(existing.spec === undefined ? 'spec (missing)' : 'spec (malformed)');
  else {
    const have = withoutGeneration(existing.spec);
    const want = withoutGeneration(desired.spec);
    for (const k of [...new Set([...Object.keys(have), ...Object.keys(want)])].sort())
      if (!isDeepStrictEqual(have[k], want[k])) drift.push(`spec.${k}`);
  }
  const labels = existing.metadata.labels ?? {};
  for (const [k, v] of Object.entries(desired.metadata.labels ?? {}))
    if (labels[k] !== v) drift.push(`metadata.labels[${k}]`);
  return drift;
}

/** What the loop does with the Work at the rendered name (`existing`, as the cache has it). */
export function decideWork(existing: Work | undefined, desired: Work): WorkDecision {
  if (!existing) return { action: 'create' };
  if (existing.metadata.deletionTimestamp) return { action: 'wait' };
  const drift = workDrift(existing, desired);
  return drift.length === 0 ? { action: 'keep' } : { action: 'replace', drift };
}

/** The existing Work with the rendered spec and labels: its metadata (finalizers, uid) kept. */
export function replacement(existing: Work, desired: Work): Work {
  return {
    ...existing,
    apiVersion: desired.apiVersion,
    kind: desired.kind,
    metadata: {
      ...existing.metadata,
      labels: { ...(existing.metadata.labels ?? {}), ...(desired.metadata.labels ?? {}) },
    },
    spec: desired.spec,
  };
}

/**
 * The federated objects a Work event concerns: the source it names now and the one it named before
 * (a Work whose spec was overwritten or removed still belongs to the object it came from).
 */
export function sourcesOfWorkEvent(w: { spec?: unknown }, old?: { spec?: unknown }): WorkSource[] {
  const out: WorkSource[] = [];
  for (const x of [w, old]) {
    const src = isObject(x?.spec) && isObject(x.spec.source) ? x.spec.source : undefined;
    if (src && typeof src.name === 'string' && typeof src.resource === 'string') {
      const s = src as unknown as WorkSource;
      if (!out.some((o) => JSON.stringify(o) === JSON.stringify(s))) out.push(s);
    }
  }
  return out;
}
