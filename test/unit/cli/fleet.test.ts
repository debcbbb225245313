import assert from 'node:assert/strict';
import type { ClusterInventoryStatus, PodEntry } from '../../../api/inventory.js';
import type { KubeFedCluster } from '../../../api/federation.js';
import {
  nodeRows,
  nodeTable,
  podRows,
  podTable,
  shortDuration,
  sortByUsage,
  staleness,
  topNodeTable,
  warnings,
  type ClusterReport,
} from '../../../cli/commands/fleet.js';
import { resourceCells } from '../../../cli/commands/clusters.js';

const NOW = Date.parse('2026-01-01T01:00:00Z');
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString();

const kfc = (name: string, ready: 'True' | 'False', since = 0): KubeFedCluster => ({
  metadata: { name },
  status: { conditions: [{ type: 'Ready', status: ready, lastTransitionTime: iso(since) }] },
});
const pod = (namespace: string, name: string, labels: Record<string, string>, cpu?: string): PodEntry => ({
  namespace,
  name,
  status: 'Running',
  phase: 'Running',
  readyContainers: 1,
  containers: 1,
  restarts: 2,
  node: 'n',
  podIP: '10.0.0.9',
  creationTimestamp: iso(3_600_000),
  labels,
  ...(cpu ? { usage: { cpu, memory: `${64 * 1024}Ki` } } : {}),
});
const inventory = (
  reportAgo: number,
  pods: PodEntry[],
  extra: Partial<ClusterInventoryStatus> = {},
): ClusterInventoryStatus => ({
  reportTime: iso(reportAgo),
  refreshSeconds: 300,
  summary: {
    nodes: { total: 1, ready: 1 },
    pods: { total: pods.length, running: pods.length, ready: pods.length },
    capacity: { cpu: '2000m', memory: `${4 * 1024 * 1024}Ki` },
    allocatable: { cpu: '2000m', memory: `${4 * 1024 * 1024}Ki` },
    updateTime: iso(reportAgo),
  },
  nodes: [
    {
      name: 'n',
      ready: true,
      kubeletVersion: 'v1.32.0',
      creationTimestamp: iso(86_400_000 * 2),
      allocatable: { cpu: '2000m', memory: `${4 * 1024 * 1024}Ki` },
      usage: { cpu: '500m', memory: `${1024 * 1024}Ki` },
    },
  ],
  pods,
  ...extra,
});

const reports: ClusterReport[] = [
  {
    cluster: 'b',
    kfc: kfc('b', 'False', 150_000),
    inventory: inventory(200_000, [pod('web', 'api', { app: 'api' }, '5m')]),
  },
  {
    cluster: 'a',
    kfc: kfc('a', 'True'),
    inventory: inventory(
      10_000,
      [pod('web', 'front', { app: 'front' }, '250m'), pod('db', 'pg', { app: 'pg' })],
      {
        podsOmitted: 7,
      },
    ),
  },
  { cluster: 'c', kfc: kfc('c', 'True') },
];

describe('fleet view (pure)', () => {
  it('staleness: not Ready since the transition; a Ready cluster whose report is too old; fresh otherwise', () => {
    assert.deepEqual(staleness(reports[0], NOW), {
      stale: true,
      sinceMs: NOW - 150_000,
      why: 'cluster is not Ready (agent away)',
    });
    assert.deepEqual(staleness(reports[1], NOW), { stale: false });
    // refresh 300 s: stale past 2 × 300 s + 60 s.
    const old = { cluster: 'a', kfc: kfc('a', 'True'), inventory: inventory(661_000, []) };
    assert.equal(staleness(old, NOW).stale, true);
    assert.equal(staleness({ ...old, inventory: inventory(659_000, []) }, NOW).stale, false);
  });

  it('durations like kubectl AGE', () => {
    const cases: [number, string][] = [
      [5_000, '5s'],
      [119_000, '119s'],
      [150_000, '2m'],
      [3_900_000, '1h5m'],
      [8 * 3_600_000, '8h'],
      [3 * 86_400_000, '3d'],
    ];
    for (const [ms, want] of cases) assert.equal(shortDuration(ms), want);
  });

  it('rows: clusters in order, namespace, label and cluster selection; clusters without a report skipped', () => {
    const names = (sel: Parameters<typeof podRows>[1]) =>
      podRows(reports, sel, NOW).map((r) => `${r.cluster}/${r.entry.name}`);
    assert.deepEqual(names({}), ['a/pg', 'a/front', 'b/api']);
    assert.deepEqual(names({ namespace: 'web' }), ['a/front', 'b/api']);
    assert.deepEqual(names({ labelSelector: 'app in (api,pg)' }), ['a/pg', 'b/api']);
    assert.deepEqual(names({ clusters: ['b'] }), ['b/api']);
    assert.deepEqual(
      nodeRows(reports, {}, NOW).map((r) => r.cluster),
      ['a', 'b'],
    );
  });

  it('tables: CLUSTER first, REPORT last with the age or "stale since"', () => {
    const [header, cells] = podTable(podRows(reports, { namespace: 'web' }, NOW), false, true, NOW);
    assert.deepEqual(header, [
      'CLUSTER',
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'CPU',
      'MEMORY',
      'REPORT',
    ]);
    assert.deepEqual(cells, [
      ['a', 'front', '1/1', 'Running', '2', '1h', '10.0.0.9', 'n', '250m', '64Mi', '10s ago'],
      ['b', 'api', '1/1', 'Running', '2', '1h', '10.0.0.9', 'n', '5m', '64Mi', 'stale since 2m'],
    ]);
    const [nh, nc] = nodeTable(nodeRows(reports, {}, NOW), false, NOW);
    assert.deepEqual(nh, ['CLUSTER', 'NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'REPORT']);
    assert.deepEqual(nc[0], ['a', 'n', 'Ready', '<none>', '2d', 'v1.32.0', '10s ago']);
    const [, top] = topNodeTable(nodeRows(reports, {}, NOW));
    assert.deepEqual(top[0], ['a', 'n', '500m', '25%', '1024Mi', '25%', '10s ago']);
  });

  it('top sorts by usage, largest first; pods without usage last', () => {
    const rows = sortByUsage(podRows(reports, {}, NOW), 'cpu');
    assert.deepEqual(
      rows.map((r) => r.entry.name),
      ['front', 'api', 'pg'],
    );
  });

  it('warnings: no report yet, stale, omitted past the cap, unknown cluster', () => {
    assert.deepEqual(warnings(reports, {}, NOW, 'pods'), [
      'cluster a: 7 pods not in its report (size cap)',
      'cluster b: stale since 2m (cluster is not Ready (agent away)); showing its last report',
      'cluster c: no inventory reported yet',
    ]);
    assert.deepEqual(warnings(reports, { clusters: ['zz'] }, NOW, 'nodes'), ['cluster zz: not found']);
  });

  it('clusters -o wide cells from status.resources', () => {
    assert.deepEqual(resourceCells(undefined), ['<unknown>', '<unknown>', '<unknown>', '<unknown>']);
    assert.deepEqual(
      resourceCells({ ...inventory(0, []).summary, usage: { cpu: '1500000000n', memory: '2Gi' } }),
      ['1/1', '0/0', '1500m/2000m', '2048Mi/4096Mi'],
    );
  });
});
