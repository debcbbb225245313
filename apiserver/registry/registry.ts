import { EventEmitter } from 'node:events';
import { builtinResources } from './builtins.js';
import { findVersion, type ResourceInfo, type ResourceVersion } from './resource-info.js';

export interface ResolvedResource {
  info: ResourceInfo;
  version: ResourceVersion;
}

/**
 * What the server serves right now: built-in kinds plus every established CRD. Emits 'changed'
 * when the set of resources changes, so discovery and OpenAPI caches can be rebuilt.
 */
export class ResourceRegistry extends EventEmitter {
  private readonly byGroupResource = new Map<string, ResourceInfo>();

  constructor() {
    super();
    for (const info of builtinResources()) this.byGroupResource.set(key(info.group, info.resource), info);
  }

  /** Adds or replaces a resource (a CRD was created or changed). */
  upsert(info: ResourceInfo): void {
    this.byGroupResource.set(key(info.group, info.resource), info);
    this.emit('changed');
  }

  remove(group: string, resource: string): void {
    if (this.byGroupResource.delete(key(group, resource))) this.emit('changed');
  }

  get(group: string, resource: string): ResourceInfo | undefined {
    return this.byGroupResource.get(key(group, resource));
  }

  resolve(group: string, version: string, resource: string): ResolvedResource | undefined {
    const info = this.get(group, resource);
    if (!info) return undefined;
    const v = findVersion(info, version);
    return v ? { info, version: v } : undefined;
  }

  all(): ResourceInfo[] {
    return [...this.byGroupResource.values()];
  }

  /** Groups in a stable order: core first, then built-in groups, then custom ones, as kube does. */
  groups(): { name: string; versions: string[]; preferred: string }[] {
    const groups = new Map<string, { versions: Set<string>; preferred: string; builtin: boolean }>();
    for (const info of this.all()) {
      let g = groups.get(info.group);
      if (!g) {
        g = { versions: new Set(), preferred: info.storageVersion, builtin: info.builtin };
        groups.set(info.group, g);
      }
      for (const v of info.versions) if (v.served) g.versions.add(v.name);
    }
    return [...groups.entries()]
      .sort(([a, ga], [b, gb]) => (ga.builtin === gb.builtin ? a.localeCompare(b) : ga.builtin ? -1 : 1))
      .map(([name, g]) => ({ name, versions: sortVersions([...g.versions]), preferred: g.preferred }));
  }

  resourcesIn(group: string, version: string): ResolvedResource[] {
    const out: ResolvedResource[] = [];
    for (const info of this.all()) {
      if (info.group !== group) continue;
      const v = findVersion(info, version);
      if (v) out.push({ info, version: v });
    }
    return out.sort((a, b) => a.info.resource.localeCompare(b.info.resource));
  }
}

function key(group: string, resource: string): string {
  return `${group}/${resource}`;
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first. */
export function sortVersions(versions: string[]): string[] {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0];
    const stage = m[2] === 'alpha' ? 2 : m[2] === 'beta' ? 1 : 0;
    return [stage, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  return versions.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2] || a.localeCompare(b);
  });
}
