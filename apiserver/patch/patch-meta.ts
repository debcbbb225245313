/**
 * How strategic merge patch treats the list or map at a field path: Kubernetes' `patchStrategy` and
 * `patchMergeKey` struct tags. `retainKeys` only changes what a client-built patch contains
 * (`$retainKeys`); applying it merges like the default.
 */
export type PatchStrategy = 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';

export interface PatchMeta {
  strategy: PatchStrategy;
  mergeKey?: string;
}

/** Field names from the object root, list positions omitted. Undefined = no strategy (lists replace). */
export type PatchMetaResolver = (path: readonly string[]) => PatchMeta | undefined;

export function mergesListItems(meta: PatchMeta | undefined): boolean {
  return meta?.strategy === 'merge' || meta?.strategy === 'merge,retainKeys';
}
