import assert from 'node:assert/strict';
import {
  buildInventory,
  podStatusText,
  type MemberNode,
  type MemberPod,
} from '../../../../agent/inventory/build.js';
import {
  inventoryChanged,
  shouldWrite,
  summaryChanged,
  usageMoved,
} from '../../../../agent/inventory/decide.js';
import { cpuMillis, quantityValue } from '../../../../api/inventory.js';

const node = (name: string, ready: boolean): MemberNode => ({
  metadata: {
    name,
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: { 'node-role.kubernetes.io/edge': '' },
  },
  status: {
    capacity: { cpu: '2', memory: '4Gi' },
    allocatable: { cpu: '1500m', memory: '3Gi' },
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
  },
});
const pod = (
  ns: string,
  name: string,
  opts: { waiting?: string; ready?: boolean; restarts?: number } = {},
): MemberPod => ({
  metadata: { namespace: ns, name, creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: name } },
  spec: { nodeName: 'n1', containers: [{}] },
  status: {
    phase: 'Running',
    podIP: '10.1.0.1',
    containerStatuses: [
      {
        ready: opts.ready ?? true,
        restartCount: opts.restarts ?? 0,
        state: opts.waiting ? { waiting: { reason: opts.waiting } } : {},
      },
    ],
  },
});
const now = new Date('2026-01-01T00:10:00.123Z');

describe('cluster inventory (pure)', () => {
  it('parses quantities', () => {
    const cases: [string, number | undefined][] = [
      ['250m', 0.25],
      ['2', 2],
      ['1Ki', 1024],
      ['4Gi', 4 * 2 ** 30],
      ['1500000000n', 1.5],
      ['1e3', 1000],
      ['12x', undefined],
    ];
    for (const [q, want] of cases) assert.equal(quantityValue(q), want, q);
    assert.equal(cpuMillis('1500000000n'), 1500);
  });

  it('kubectl-like pod STATUS', () => {
    assert.equal(podStatusText(pod('a', 'x')), 'Running');
    assert.equal(
      podStatusText(pod('a', 'x', { waiting: 'CrashLoopBackOff', ready: false })),
      'CrashLoopBackOff',
    );
    assert.equal(podStatusText({ ...pod('a', 'x'), metadata: { deletionTimestamp: 'x' } }), 'Terminating');
  });

  it('summarizes nodes, pods, capacity, allocatable and usage', () => {
    const s = buildInventory({
      nodes: [node('n1', true), node('n2', false)],
      pods: [pod('a', 'web'), pod('a', 'bad', { waiting: 'ErrImagePull', ready: false, restarts: 3 })],
      nodeMetrics: [{ metadata: { name: 'n1' }, usage: { cpu: '250000000n', memory: '1024Ki' } }],
      podMetrics: [
        {
          metadata: { namespace: 'a', name: 'web' },
          containers: [{ usage: { cpu: '5000000n', memory: '2048Ki' } }],
        },
      ],
      now,
      refreshSeconds: 300,
    });
    assert.equal(s.reportTime, '2026-01-01T00:10:00Z');
    assert.deepEqual(s.summary.nodes, { total: 2, ready: 1 });
    assert.deepEqual(s.summary.pods, { total: 2, running: 2, ready: 1 });
    assert.deepEqual(s.summary.capacity, { cpu: '4000m', memory: `${8 * 1024 * 1024}Ki` });
    assert.deepEqual(s.summary.allocatable, { cpu: '3000m', memory: `${6 * 1024 * 1024}Ki` });
    assert.deepEqual(s.summary.usage, { cpu: '250m', memory: '1024Ki' });
    assert.deepEqual(s.nodes[0].roles, ['edge']);
    assert.equal(s.nodes[0].internalIP, '10.0.0.1');
    // Problem pods first; usage per pod; restarts summed.
    assert.deepEqual(
      s.pods.map((p) => [p.name, p.status, p.restarts, p.usage?.cpu]),
      [
        ['bad', 'ErrImagePull', 3, undefined],
        ['web', 'Running', 0, '5m'],
      ],
    );
    assert.equal(s.podsOmitted, undefined);
  });

  it('no metrics.k8s.io at the member: no usage, not zero', () => {
    const s = buildInventory({ nodes: [node('n1', true)], pods: [], now, refreshSeconds: 300 });
    assert.equal(s.summary.usage, undefined);
    assert.equal(s.nodes[0].usage, undefined);
  });

  it('caps: pods beyond the count or byte cap are counted, problem pods kept', () => {
    const pods = Array.from({ length: 50 }, (_, i) => pod('ns', `p${String(i).padStart(2, '0')}`));
    pods.push(pod('zz', 'broken', { waiting: 'CrashLoopBackOff', ready: false }));
    const byCount = buildInventory({
      nodes: [node('n1', true)],
      pods,
      now,
      refreshSeconds: 300,
      caps: { maxNodes: 10, maxPods: 10, maxBytes: 1 << 20 },
    });
    assert.equal(byCount.pods.length, 10);
    assert.equal(byCount.podsOmitted, 41);
    assert.equal(byCount.pods[0].name, 'broken');
    assert.equal(byCount.summary.pods.total, 51);
    const byBytes = buildInventory({
      nodes: [node('n1', true)],
      pods,
      now,
      refreshSeconds: 300,
      caps: { maxNodes: 10, maxPods: 1000, maxBytes: 4000 },
    });
    assert.ok(JSON.stringify(byBytes).length <= 4000);
    assert.equal(byBytes.pods.length + (byBytes.podsOmitted ?? 0), 51);
  });

  it('usage moves meaningfully only past 10 % and a floor', () => {
    const cases: [string, [string, string], [string, string], boolean][] = [
      ['same', ['100m', '100Mi'], ['100m', '100Mi'], false],
      ['cpu +5 %', ['100m', '100Mi'], ['105m', '100Mi'], false],
      ['cpu +50 % but under the 10m floor', ['10m', '100Mi'], ['15m', '100Mi'], false],
      ['cpu doubled', ['100m', '100Mi'], ['200m', '100Mi'], true],
      ['memory +8 Mi of 100', ['100m', '100Mi'], ['100m', '108Mi'], false],
      ['memory +50 Mi', ['100m', '100Mi'], ['100m', '150Mi'], true],
    ];
    for (const [what, [c1, m1], [c2, m2], want] of cases)
      assert.equal(usageMoved({ cpu: c1, memory: m1 }, { cpu: c2, memory: m2 }), want, what);
    assert.equal(usageMoved(undefined, { cpu: '1m', memory: '1Ki' }), true);
  });

  it('a new pod or a state change is a change; a tick with the same state is not', () => {
    const base = { nodes: [node('n1', true)], now, refreshSeconds: 300 };
    const a = buildInventory({ ...base, pods: [pod('a', 'web')] });
    const later = buildInventory({ ...base, pods: [pod('a', 'web')], now: new Date('2026-01-01T00:11:00Z') });
    assert.equal(inventoryChanged(a, later), false);
    assert.equal(summaryChanged(a.summary, later.summary), false);
    assert.equal(
      inventoryChanged(a, buildInventory({ ...base, pods: [pod('a', 'web'), pod('a', 'db')] })),
      true,
    );
    assert.equal(
      inventoryChanged(a, buildInventory({ ...base, pods: [pod('a', 'web', { restarts: 1 })] })),
      true,
    );
    assert.equal(inventoryChanged(undefined, a), true);
  });

  it('shouldWrite: first time, on change after the minimum interval, and at the refresh period', () => {
    const t = { nowMs: 100_000, minIntervalMs: 30_000, refreshMs: 300_000 };
    const cases: [string, boolean, number | undefined, boolean][] = [
      ['never written', false, undefined, true],
      ['changed, too soon', true, 90_000, false],
      ['changed, interval passed', true, 70_000, true],
      ['unchanged, interval passed', false, 70_000, false],
      ['unchanged, refresh due', false, -200_000, true],
    ];
    for (const [what, changed, lastWriteMs, want] of cases)
      assert.equal(shouldWrite({ ...t, changed, lastWriteMs }), want, what);
  });
});
