/**
 * `metrics.k8s.io/v1beta1` (NodeMetrics, PodMetrics) in metrics-server's shape, served from the
 * scraper's points: what `kubectl top nodes` and `kubectl top pods [-A] [--containers] [-l ...]`
 * read. Objects are built per request (pure functions below); nothing is stored.
 */
import type { AggregatedApi, AggregatedRequest } from '../../../apiserver/server/aggregated.js';
import { errors } from '../../../apiserver/errors.js';
import type { ResourceInfo } from '../../../apiserver/registry/resource-info.js';
import { matchesFields, parseFieldSelector } from '../../../apiserver/selectors/field-selector.js';
import { matchesLabels, parseLabelSelector } from '../../../apiserver/selectors/label-selector.js';
import type { KubeObject } from '../../../api/kubernetes.js';
import type { MetricsSource, NodeUsage, PodUsage } from './scraper.js';
import { cpuQuantity, memoryQuantity, windowString, type UsagePoint } from './usage.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

function resource(name: string, kind: string, namespaced: boolean): ResourceInfo {
  return {
    group: METRICS_GROUP,
    resource: name,
    kind,
    listKind: `${kind}List`,
    singular: '',
    namespaced,
    shortNames: [],
    categories: [],
    versions: [
      {
        name: METRICS_VERSION,
        served: true,
        storage: true,
        printerColumns: [],
        subresources: { status: false },
        selectableFields: [],
      },
    ],
    storageVersion: METRICS_VERSION,
    builtin: true,
    listType: () => undefined,
    verbs: ['get', 'list'],
  };
}

const stamp = (p: UsagePoint) => ({
  timestamp: new Date(p.timestampMs).toISOString().replace(/\.\d+Z$/, 'Z'),
  window: windowString(p.windowMs),
});

export function nodeMetrics(n: NodeUsage): KubeObject {
  return {
    kind: 'NodeMetrics',
    apiVersion: API_VERSION,
    metadata: { name: n.name, labels: n.labels, creationTimestamp: new Date().toISOString() },
    ...stamp(n.point),
    usage: { cpu: cpuQuantity(n.point.nanocores), memory: memoryQuantity(n.point.memoryBytes) },
  };
}

export function podMetrics(p: PodUsage): KubeObject {
  // The pod's window is its oldest container's (they are scraped together).
  const first = p.containers.reduce(
    (a, c) => (c.point.timestampMs < a.timestampMs ? c.point : a),
    p.containers[0].point,
  );
  return {
    kind: 'PodMetrics',
    apiVersion: API_VERSION,
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: p.labels,
      creationTimestamp: new Date().toISOString(),
    },
    ...stamp(first),
    containers: [...p.containers]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((c) => ({
        name: c.name,
        usage: { cpu: cpuQuantity(c.point.nanocores), memory: memoryQuantity(c.point.memoryBytes) },
      })),
  };
}

/** Filters a list by the request's namespace, labelSelector and fieldSelector (metadata.name/namespace). */
export function selectItems(items: KubeObject[], req: AggregatedRequest): KubeObject[] {
  const labels = parseLabelSelector(req.query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(req.query.get('fieldSelector') ?? '');
  return items.filter(
    (o) =>
      (req.namespace === undefined || o.metadata.namespace === req.namespace) &&
      matchesLabels(labels, o.metadata.labels) &&
      matchesFields(fields, {
        'metadata.name': String(o.metadata.name),
        ...(o.metadata.namespace ? { 'metadata.namespace': String(o.metadata.namespace) } : {}),
      }),
  );
}

export function metricsApi(source: MetricsSource): AggregatedApi {
  return {
    group: METRICS_GROUP,
    resources: [resource('nodes', 'NodeMetrics', false), resource('pods', 'PodMetrics', true)],
    serve(req) {
      const nodes = req.resource === 'nodes';
      const all = nodes
        ? [source.node()].filter((n): n is NodeUsage => n !== undefined).map(nodeMetrics)
        : source.pods().map(podMetrics);
      if (req.verb === 'get') {
        const found = all.find(
          (o) => o.metadata.name === req.name && (nodes || o.metadata.namespace === req.namespace),
        );
        if (!found) throw errors.notFound(req.resource, METRICS_GROUP, String(req.name));
        return found;
      }
      return {
        kind: nodes ? 'NodeMetricsList' : 'PodMetricsList',
        apiVersion: API_VERSION,
        metadata: {},
        items: selectItems(all, req),
      };
    },
  };
}
