/**
 * Resource usage as metrics-server computes it, as pure functions: CPU is a rate (nanocores) over
 * the interval between two cumulative samples, memory is the working set (usage minus inactive
 * file pages, which the kernel reclaims first and the OOM killer does not count).
 */

/** One cumulative CPU reading: total CPU time used (ns) at a wall-clock instant (ms since epoch). */
export interface CpuSample {
  cpuNs: number;
  atMs: number;
}

/** What one window yields: a rate and a working set, stamped with the later sample's time. */
export interface UsagePoint {
  nanocores: number;
  memoryBytes: number;
  timestampMs: number;
  windowMs: number;
}

/**
 * CPU rate between two cumulative samples, in nanocores (1e9 = one core). Undefined when the
 * samples cannot give a rate: no time passed, or the counter went backwards (the container was
 * restarted and its counter started over).
 */
export function nanocoresBetween(prev: CpuSample, cur: CpuSample): number | undefined {
  const dt = cur.atMs - prev.atMs;
  const used = cur.cpuNs - prev.cpuNs;
  if (dt <= 0 || used < 0) return undefined;
  // ns of CPU per ms of wall clock, ×1000: ns per second, i.e. nanocores.
  return Math.round((used / dt) * 1000);
}

/** /proc/stat's aggregate `cpu` line: busy time in ns (USER_HZ is 100 on Linux for every architecture). */
export function parseProcStatCpuNs(text: string): number | undefined {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  const [user, nice, system, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) * 10_000_000;
}

/** /proc/meminfo fields in bytes. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) out.set(m[1], Number(m[2]) * (line.trimEnd().endsWith('kB') ? 1024 : 1));
  }
  return out;
}

/**
 * The node's working set as kubelet's root cgroup gives it: memory in use (total - free, page cache
 * included) minus inactive file pages.
 */
export function nodeWorkingSetBytes(meminfo: Map<string, number>): number | undefined {
  const total = meminfo.get('MemTotal');
  const free = meminfo.get('MemFree');
  if (total === undefined || free === undefined) return undefined;
  return Math.max(0, total - free - (meminfo.get('Inactive(file)') ?? 0));
}

/** The fields of the Docker Engine API's `GET /containers/<id>/stats?stream=false` we read. */
export interface DockerStats {
  read?: string;
  preread?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  precpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: {
    usage?: number;
    stats?: { inactive_file?: number; total_inactive_file?: number };
  };
}

export interface ContainerReading {
  cpu: CpuSample;
  /** The engine's own earlier sample (Docker fills precpu_stats on a two-sample read), if any. */
  previous?: CpuSample;
  memoryBytes: number;
}

/** Reads one stats answer; undefined when it carries no CPU counter (the container is not running). */
export function containerReading(s: DockerStats, fallbackNowMs: number): ContainerReading | undefined {
  const cpuNs = s.cpu_stats?.cpu_usage?.total_usage;
  if (typeof cpuNs !== 'number' || cpuNs <= 0) return undefined;
  const at = timeOf(s.read) ?? fallbackNowMs;
  const mem = s.memory_stats ?? {};
  // cgroup v2 names it inactive_file, v1 total_inactive_file; podman's compat API sends neither.
  const inactive = mem.stats?.inactive_file ?? mem.stats?.total_inactive_file ?? 0;
  const reading: ContainerReading = {
    cpu: { cpuNs, atMs: at },
    memoryBytes: Math.max(0, (mem.usage ?? 0) - inactive),
  };
  const preNs = s.precpu_stats?.cpu_usage?.total_usage;
  const preAt = timeOf(s.preread);
  if (typeof preNs === 'number' && preNs > 0 && preAt !== undefined && preAt < at)
    reading.previous = { cpuNs: preNs, atMs: preAt };
  return reading;
}

/** RFC 3339 → ms; Go's zero time ("0001-01-01T00:00:00Z") and garbage → undefined. */
function timeOf(ts: string | undefined): number | undefined {
  if (!ts) return undefined;
  const ms = Date.parse(ts);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** CPU as metrics-server writes it: nanocores with the `n` suffix. */
export function cpuQuantity(nanocores: number): string {
  return `${Math.max(0, Math.round(nanocores))}n`;
}

/** Memory as metrics-server writes it: KiB with the `Ki` suffix. */
export function memoryQuantity(bytes: number): string {
  return `${Math.max(0, Math.round(bytes / 1024))}Ki`;
}

/** A window as a Go duration string ("15.012s"), as metrics-server sends it. */
export function windowString(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
