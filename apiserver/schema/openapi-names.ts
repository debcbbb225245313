import type { ResourceInfo } from '../registry/resource-info.js';

/** Go packages of built-in groups whose schema names do not follow the io.k8s.api.<group> pattern. */
const BUILTIN_PACKAGES: Record<string, string> = {
  '': 'io.k8s.api.core',
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  'apiregistration.k8s.io': 'io.k8s.kube-aggregator.pkg.apis.apiregistration',
};

/**
 * The components.schemas name kube-apiserver gives a kind: built-ins by Go package
 * (io.k8s.api.apps.v1.Deployment), custom resources by reversed group (io.kubefed.types.v1beta1.X).
 */
export function schemaName(
  info: Pick<ResourceInfo, 'group' | 'builtin'>,
  version: string,
  kind: string,
): string {
  return `${packageName(info)}.${version}.${kind}`;
}

function packageName({ group, builtin }: Pick<ResourceInfo, 'group' | 'builtin'>): string {
  if (builtin) return BUILTIN_PACKAGES[group] ?? `io.k8s.api.${group.split('.')[0]}`;
  return group.split('.').reverse().join('.');
}

/** The /openapi/v3 index key of a group-version: `api/v1` for the core group, else `apis/<g>/<v>`. */
export function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** Operation id fragment as kube-apiserver builds it: `apps`+`v1` → `AppsV1`, core → `CoreV1`. */
export function operationPrefix(group: string, version: string): string {
  const words = (group ? group.replace(/\.k8s\.io$/, '') : 'core').split(/[.-]/);
  return [...words, version].map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}
