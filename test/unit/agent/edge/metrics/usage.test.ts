import assert from 'node:assert/strict';
import {
  containerReading,
  cpuQuantity,
  memoryQuantity,
  nanocoresBetween,
  nodeWorkingSetBytes,
  parseMeminfo,
  parseProcStatCpuNs,
  windowString,
} from '../../../../../agent/edge/metrics/usage.js';

describe('metrics usage (pure)', () => {
  it('nanocoresBetween: a rate over the interval, undefined when it cannot be one', () => {
    const cases: [string, [number, number], [number, number], number | undefined][] = [
      ['one core for a second', [0, 1000], [1e9, 2000], 1e9],
      ['half a core over 15 s', [5e9, 0], [5e9 + 7.5e9, 15_000], 5e8],
      ['idle', [42, 0], [42, 1000], 0],
      ['no time passed', [0, 1000], [5, 1000], undefined],
      ['counter went backwards (restart)', [9e9, 0], [1e9, 1000], undefined],
    ];
    for (const [what, [pn, pa], [cn, ca], want] of cases)
      assert.equal(nanocoresBetween({ cpuNs: pn, atMs: pa }, { cpuNs: cn, atMs: ca }), want, what);
  });

  it('parses /proc/stat busy time (user+nice+system+irq+softirq+steal, USER_HZ 100)', () => {
    const stat = 'cpu  100 5 20 9000 30 1 2 3 0 0\ncpu0 50 2 10 4500 15 0 1 1 0 0\nintr 1\n';
    assert.equal(parseProcStatCpuNs(stat), (100 + 5 + 20 + 1 + 2 + 3) * 10_000_000);
    assert.equal(parseProcStatCpuNs('intr 1\n'), undefined);
  });

  it('node working set = total - free - inactive file', () => {
    const m = parseMeminfo(
      'MemTotal:       1000 kB\nMemFree:         200 kB\nInactive(file):  300 kB\nHugePages_Total:       0\n',
    );
    assert.equal(m.get('MemTotal'), 1000 * 1024);
    assert.equal(m.get('HugePages_Total'), 0);
    assert.equal(nodeWorkingSetBytes(m), 500 * 1024);
    assert.equal(nodeWorkingSetBytes(parseMeminfo('MemTotal: 5 kB\n')), undefined);
  });

  it('reads Docker and podman stats: working set, the engine precpu sample when it has one', () => {
    const docker = containerReading(
      {
        read: '2026-01-01T00:00:02Z',
        preread: '2026-01-01T00:00:01Z',
        cpu_stats: { cpu_usage: { total_usage: 3e9 } },
        precpu_stats: { cpu_usage: { total_usage: 2e9 } },
        memory_stats: { usage: 10_000, stats: { inactive_file: 4_000 } },
      },
      0,
    );
    assert.deepEqual(docker, {
      cpu: { cpuNs: 3e9, atMs: Date.parse('2026-01-01T00:00:02Z') },
      previous: { cpuNs: 2e9, atMs: Date.parse('2026-01-01T00:00:01Z') },
      memoryBytes: 6_000,
    });
    // podman: precpu zero and preread Go's zero time; no inactive_file; v1 total_inactive_file honoured.
    const podman = containerReading(
      {
        read: '2026-01-01T00:00:02Z',
        preread: '0001-01-01T00:00:00Z',
        cpu_stats: { cpu_usage: { total_usage: 5 } },
        precpu_stats: { cpu_usage: { total_usage: 0 } },
        memory_stats: { usage: 8192, stats: { total_inactive_file: 10_000 } },
      },
      0,
    );
    assert.equal(podman?.previous, undefined);
    assert.equal(podman?.memoryBytes, 0);
    assert.equal(containerReading({ cpu_stats: {} }, 0), undefined, 'a stopped container has no counter');
  });

  it('formats quantities and windows as metrics-server does', () => {
    assert.equal(cpuQuantity(1234.6), '1235n');
    assert.equal(cpuQuantity(-1), '0n');
    assert.equal(memoryQuantity(10 * 1024 + 100), '10Ki');
    assert.equal(windowString(15_012), '15.012s');
    assert.equal(windowString(1000), '1s');
  });
});
