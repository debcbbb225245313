/**
 * Resolves a manifest's apiVersion/kind to its REST resource in the member cluster (plural and
 * scope), from the member's discovery documents (GET /api/v1, /apis/<group>/<version>), cached per
 * group/version. A kind missing from a cached document triggers one refetch (a CRD installed since),
 * at most every `refreshMs`.
 */
import type { KubeClient } from '../../client/client.js';
import { isNotFound } from '../../client/errors.js';

export interface ResolvedResource {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

interface ApiResourceList {
  resources?: ApiResource[];
}

interface Entry {
  byKind: Map<string, ApiResource>;
  fetchedAt: number;
}

export class UnknownKindError extends Error {
  override name = 'UnknownKindError';
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The discovery document of a group/version: `/api/v1` for the core group, `/apis/g/v` otherwise. */
export function discoveryPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** Kinds to resources from one APIResourceList (subresources such as deployments/status skipped). */
export function indexResources(list: ApiResourceList): Map<string, ApiResource> {
  const byKind = new Map<string, ApiResource>();
  for (const r of list.resources ?? []) {
    if (!r.name || r.name.includes('/') || byKind.has(r.kind)) continue;
    byKind.set(r.kind, r);
  }
  return byKind;
}

export class Discovery {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly client: KubeClient,
    private readonly refreshMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  async resolve(apiVersion: string, kind: string): Promise<ResolvedResource> {
    const { group, version } = splitApiVersion(apiVersion);
    const key = `${group}/${version}`;
    let entry = this.cache.get(key);
    if (!entry || (!entry.byKind.has(kind) && this.now() - entry.fetchedAt >= this.refreshMs)) {
      entry = await this.fetch(group, version);
      this.cache.set(key, entry);
    }
    const r = entry.byKind.get(kind);
    if (!r) throw new UnknownKindError(`the member cluster does not serve ${kind} in ${apiVersion}`);
    return { group, version, resource: r.name, namespaced: r.namespaced };
  }

  /** Forget everything (after the member connection changes). */
  reset(): void {
    this.cache.clear();
  }

  private async fetch(group: string, version: string): Promise<Entry> {
    try {
      const list = await this.client.get<ApiResourceList>(discoveryPath(group, version));
      return { byKind: indexResources(list), fetchedAt: this.now() };
    } catch (e) {
      if (isNotFound(e)) return { byKind: new Map(), fetchedAt: this.now() };
      throw e;
    }
  }
}
