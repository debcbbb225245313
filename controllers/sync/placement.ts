/**
 * Placement: which registered clusters a federated object goes to. Pure functions, kubefed's rules
 * (pkg/controller/sync/placement in kubefed v0.10).
 */
import { labelSelectorFromMeta, matchesLabels } from '../../apiserver/selectors/label-selector.js';
import type { FederatedObject, KubeFedCluster, Placement } from '../../api/federation.js';

/**
 * kubefed's computePlacement:
 * - `clusters` present (even `[]`) → exactly those names that are registered; the selector is ignored;
 * - else `clusterSelector` present → the clusters whose labels match (`{}` matches every cluster);
 * - neither → no clusters.
 * Returns sorted, de-duplicated names. An invalid selector throws the ApiError (400) that
 * `labelSelectorFromMeta` raises; the controller reports it as `ComputePlacementFailed`.
 */
export function selectClusters(placement: Placement | undefined, clusters: KubeFedCluster[]): string[] {
  const registered = new Set(clusters.map((c) => c.metadata.name).filter(isName));
  if (!placement) return [];
  if (placement.clusters) {
    return sortedUnique(placement.clusters.map((c) => c?.name).filter((n) => isName(n) && registered.has(n)));
  }
  if (placement.clusterSelector) {
    const selector = labelSelectorFromMeta(placement.clusterSelector);
    return sortedUnique(
      clusters
        .filter((c) => matchesLabels(selector, c.metadata.labels))
        .map((c) => c.metadata.name)
        .filter(isName),
    );
  }
  return [];
}

export interface NamespacePlacement {
  clusters: string[];
  /** True when there is no FederatedNamespace for the object's namespace (kubefed's NamespaceNotFederated). */
  namespaceNotFederated: boolean;
}

/**
 * kubefed's computeNamespacedPlacement (without limited scope): a namespaced federated object goes
 * only to clusters where its FederatedNamespace (same namespace, name = namespace) is also placed.
 * No FederatedNamespace → no clusters, `namespaceNotFederated: true`. Call it only for namespaced
 * target types other than Namespace itself.
 */
export function applyNamespaceRule(
  selected: string[],
  fedNamespace: FederatedObject | undefined,
  clusters: KubeFedCluster[],
): NamespacePlacement {
  if (!fedNamespace) return { clusters: [], namespaceNotFederated: true };
  const nsClusters = new Set(selectClusters(fedNamespace.spec?.placement, clusters));
  return { clusters: sortedUnique(selected.filter((c) => nsClusters.has(c))), namespaceNotFederated: false };
}

function isName(n: string | undefined): n is string {
  return typeof n === 'string' && n !== '';
}

function sortedUnique(names: string[]): string[] {
  return [...new Set(names)].sort(compareStrings);
}

/** Byte-wise order (names are ASCII), independent of locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
