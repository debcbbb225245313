import assert from 'node:assert/strict';
import { ApiError } from '../../../../../apiserver/errors.js';
import { metricsApi } from '../../../../../agent/edge/metrics/api.js';
import type { MetricsSource, PodUsage } from '../../../../../agent/edge/metrics/scraper.js';
import type { AggregatedRequest } from '../../../../../apiserver/server/aggregated.js';

const point = (nanocores: number, memoryBytes: number) => ({
  nanocores,
  memoryBytes,
  timestampMs: Date.parse('2026-01-01T00:00:10Z'),
  windowMs: 15_000,
});
const pod = (namespace: string, name: string, labels: Record<string, string>): PodUsage => ({
  namespace,
  name,
  labels,
  containers: [
    { name: 'b', point: point(2e6, 2048) },
    { name: 'a', point: point(1e9, 1024 * 1024) },
  ],
});
const source: MetricsSource = {
  node: () => ({ name: 'site-1', labels: { zone: 'z1' }, point: point(5e8, 1 << 30) }),
  pods: () => [pod('a', 'web', { app: 'web' }), pod('b', 'db', { app: 'db' })],
};
const req = (r: Partial<AggregatedRequest>): AggregatedRequest => ({
  verb: 'list',
  version: 'v1beta1',
  resource: 'pods',
  namespace: undefined,
  name: undefined,
  query: new URLSearchParams(),
  ...r,
});

describe('metrics.k8s.io objects', () => {
  const api = metricsApi(source);

  it('advertises NodeMetrics (cluster) and PodMetrics (namespaced) with get and list', () => {
    assert.equal(api.group, 'metrics.k8s.io');
    assert.deepEqual(
      api.resources.map((r) => [r.resource, r.kind, r.namespaced, r.verbs]),
      [
        ['nodes', 'NodeMetrics', false, ['get', 'list']],
        ['pods', 'PodMetrics', true, ['get', 'list']],
      ],
    );
  });

  it('NodeMetrics in metrics-server shape', () => {
    const n = api.serve(req({ verb: 'get', resource: 'nodes', name: 'site-1' })) as Record<string, unknown>;
    assert.equal(n.kind, 'NodeMetrics');
    assert.equal(n.timestamp, '2026-01-01T00:00:10Z');
    assert.equal(n.window, '15s');
    assert.deepEqual(n.usage, { cpu: '500000000n', memory: '1048576Ki' });
  });

  it('PodMetrics lists filter by namespace, label and field selectors; containers sorted by name', () => {
    const names = (r: Partial<AggregatedRequest>) =>
      (api.serve(req(r)) as unknown as { items: { metadata: { name: string } }[] }).items.map(
        (i) => i.metadata.name,
      );
    assert.deepEqual(names({}), ['web', 'db']);
    assert.deepEqual(names({ namespace: 'b' }), ['db']);
    assert.deepEqual(names({ query: new URLSearchParams({ labelSelector: 'app=web' }) }), ['web']);
    assert.deepEqual(names({ query: new URLSearchParams({ fieldSelector: 'metadata.name=db' }) }), ['db']);
    const web = api.serve(req({ verb: 'get', namespace: 'a', name: 'web' })) as unknown as {
      containers: { name: string; usage: { cpu: string } }[];
    };
    assert.deepEqual(
      web.containers.map((c) => [c.name, c.usage.cpu]),
      [
        ['a', '1000000000n'],
        ['b', '2000000n'],
      ],
    );
  });

  it('a pod with no metrics is a NotFound Status (metrics-server says the same)', () => {
    assert.throws(
      () => api.serve(req({ verb: 'get', namespace: 'b', name: 'web' })),
      (e: unknown) =>
        e instanceof ApiError && e.code === 404 && /pods.metrics.k8s.io "web" not found/.test(e.message),
    );
  });
});
