import type { ResourceRegistry, ResolvedResource } from '../registry/registry.js';
import { groupVersion } from '../registry/resource-info.js';
import type { JsonObject } from '../../api/kubernetes.js';

export const AGGREGATED_DISCOVERY_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_DISCOVERY_V2BETA1 =
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** Which aggregated discovery version (if any) the Accept header asks for, in its order of preference. */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    if (params.get('g') === 'apidiscovery.k8s.io' && params.get('as') === 'APIGroupDiscoveryList') {
      const v = params.get('v');
      if (v === 'v2' || v === 'v2beta1') return v;
    }
    if (part.trim().startsWith('application/json') && !params.has('as')) return undefined;
  }
  return undefined;
}

function verbsFor(r: ResolvedResource): string[] {
  return r.info.verbs;
}

function legacyResources(r: ResolvedResource): JsonObject[] {
  const { info, version } = r;
  const main: JsonObject = {
    name: info.resource,
    singularName: info.singular,
    namespaced: info.namespaced,
    kind: info.kind,
    verbs: verbsFor(r),
  };
  if (info.shortNames.length) main.shortNames = info.shortNames;
  if (info.categories.length) main.categories = info.categories;
  const out = [main];
  if (version.subresources.status) {
    out.push({
      name: `${info.resource}/status`,
      singularName: '',
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: ['get', 'patch', 'update'],
    });
  }
  if (version.subresources.scale) {
    out.push({
      name: `${info.resource}/scale`,
      singularName: '',
      namespaced: info.namespaced,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
  }
  return out;
}

/** APIResourceList for /api/v1 or /apis/<group>/<version>. */
export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined {
  const resources = registry.resourcesIn(group, version);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion(group, version),
    resources: resources.flatMap(legacyResources),
  };
}

export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(g: { name: string; versions: string[]; preferred: string }): JsonObject {
  return {
    name: g.name,
    versions: g.versions.map((v) => ({ groupVersion: groupVersion(g.name, v), version: v })),
    preferredVersion: { groupVersion: groupVersion(g.name, g.preferred), version: g.preferred },
  };
}

export function apiGroupList(registry: ResourceRegistry): JsonObject {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry
      .groups()
      .filter((g) => g.name !== '')
      .map(apiGroup),
  };
}

export function apiGroupFor(registry: ResourceRegistry, group: string): JsonObject | undefined {
  const g = registry.groups().find((x) => x.name === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) } : undefined;
}

function aggregatedResource(r: ResolvedResource, version: string): JsonObject {
  const { info, version: v } = r;
  const responseKind = { group: info.group, version, kind: info.kind };
  const out: JsonObject = {
    resource: info.resource,
    responseKind,
    scope: info.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: info.singular,
    verbs: verbsFor(r),
  };
  if (info.shortNames.length) out.shortNames = info.shortNames;
  if (info.categories.length) out.categories = info.categories;
  const subresources: JsonObject[] = [];
  if (v.subresources.status)
    subresources.push({ subresource: 'status', responseKind, verbs: ['get', 'patch', 'update'] });
  if (v.subresources.scale) {
    subresources.push({
      subresource: 'scale',
      responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      verbs: ['get', 'patch', 'update'],
    });
  }
  if (subresources.length) out.subresources = subresources;
  return out;
}

/** The aggregated discovery document for /api (core) or /apis (everything else). */
export function aggregatedDiscovery(
  registry: ResourceRegistry,
  core: boolean,
  v: 'v2' | 'v2beta1',
): JsonObject {
  const items = registry
    .groups()
    .filter((g) => (g.name === '') === core)
    .map((g) => ({
      metadata: { name: g.name },
      versions: g.versions.map((version) => ({
        version,
        resources: registry.resourcesIn(g.name, version).map((r) => aggregatedResource(r, version)),
        freshness: 'Current',
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${v}`, metadata: {}, items };
}

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-edgefed.0.1.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-22T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch}`,
};
