/**
 * bench:cli — how long the CLI takes to start, against a bare `node -e 0` measured in the same run.
 *
 *   node -e 0                       the reference: Node.js itself starting and exiting
 *   edgefed --help                  top-level help (commands are lazy-loaded: cli/main.ts)
 *   edgefed clusters                a real command against a real hub (`edgefed hub --no-controllers`
 *                                   on 127.0.0.1, empty: no cluster joined), through its kubeconfig
 *
 * Each is run BENCH_CLI_RUNS times (default 15), interleaved so a load spike hits all of them alike;
 * the median wall time (spawn → exit) is reported. Goal (issue 16): each command's median <= 4x the
 * reference's. The module count each command loads is printed too (node --import
 * test/helpers/load-recorder.mjs), so a regression shows what it pulled in. Exit 1 when a goal is missed.
 *
 *   npm run bench:cli
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  guardBench,
  loadLine,
  machine,
  packageRoot,
  percentile,
  removeDir,
  startHub,
  tempDir,
  verdictLines,
  type Goal,
  type Hub,
} from './lib.js';

const RUNS = Math.min(50, Math.max(3, Number(process.env.BENCH_CLI_RUNS ?? 15)));
const GOAL_RATIO = 4;

interface Subject {
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Exit codes that count as a completed run. */
  ok: number[];
}

/** Wall time (ms) of one run: spawn → exit. */
function timeRun(s: Subject): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, s.args, {
    env: { ...process.env, ...s.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const dt = performance.now() - t;
  if (r.status === null || !s.ok.includes(r.status))
    throw new Error(`${s.name} exited ${r.status ?? r.signal}: ${r.stderr.toString().slice(0, 500)}`);
  return dt;
}

/** Distinct modules one run loads (ESM and CommonJS, through the loader's resolve hook). */
function modulesLoaded(s: Subject, dir: string): { total: number; own: number; deps: Map<string, number> } {
  const file = join(dir, `load-${s.name.replace(/\W+/g, '-')}.log`);
  rmSync(file, { force: true });
  const recorder = join(packageRoot(), 'test', 'helpers', 'load-recorder.mjs');
  spawnSync(process.execPath, ['--import', recorder, ...s.args], {
    env: { ...process.env, ...s.env, EDGEFED_LOAD_LOG: file },
    stdio: 'ignore',
    timeout: 60_000,
  });
  let urls: string[] = [];
  try {
    urls = [
      ...new Set(
        readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('file:')),
      ),
    ];
  } catch {
    // no module loaded beyond node's own
  }
  const deps = new Map<string, number>();
  let own = 0;
  for (const u of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
    if (m) deps.set(m[1], (deps.get(m[1]) ?? 0) + 1);
    else own++;
  }
  return { total: urls.length, own, deps };
}

const ms = (n: number): string => `${n.toFixed(1)} ms`;

async function main(): Promise<void> {
  const load0 = loadavg()[0];
  const dir = tempDir('edgefed-bench-cli-');
  let hub: Hub | undefined;
  const guard = guardBench(5 * 60_000, async () => {
    await hub?.stop();
    removeDir(dir);
  });
  try {
    hub = await startHub(join(dir, 'hub'), 60_000, { extraArgs: ['--no-controllers'] });
    const bin = join(packageRoot(), 'bin', 'edgefed');
    const kubeconfig = join(dir, 'hub', 'admin.kubeconfig');
    const subjects: Subject[] = [
      { name: 'node -e 0', args: ['-e', '0'], ok: [0] },
      { name: 'edgefed --help', args: [bin, '--help'], ok: [0] },
      { name: 'edgefed clusters', args: [bin, 'clusters', '--kubeconfig', kubeconfig], ok: [0] },
    ];
    // One untimed run each: the page cache holds the files afterwards, as it does for a user.
    for (const s of subjects) timeRun(s);
    const times = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
    for (let i = 0; i < RUNS; i++) for (const s of subjects) times.get(s.name)?.push(timeRun(s));
    const med = (name: string): number => percentile(times.get(name) ?? [], 50);
    const ref = med('node -e 0');

    const out: string[] = ['', 'bench:cli — CLI start-up', ''];
    const m = machine();
    out.push(`  machine: ${m.cpu}, ${m.ram}; node ${process.version}`);
    out.push(`  runs: ${RUNS} per command, interleaved, after one untimed run each; wall time spawn → exit`);
    out.push(`  edgefed clusters: against an empty hub (--no-controllers) on 127.0.0.1 over HTTPS`);
    out.push(`  load: ${loadLine(load0, loadavg()[0])}`, '');
    out.push(`  ${'command'.padEnd(18)} ${'median'.padStart(10)} ${'p90'.padStart(10)}  modules loaded`);
    const goals: Goal[] = [];
    for (const s of subjects) {
      const t = times.get(s.name) ?? [];
      const mods = modulesLoaded(s, dir);
      const top = [...mods.deps.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      out.push(
        `  ${s.name.padEnd(18)} ${ms(med(s.name)).padStart(10)} ${ms(percentile(t, 90)).padStart(10)}  ` +
          `${mods.total} (edgefed ${mods.own}${top ? `; ${top}` : ''})`,
      );
      if (s.name === 'node -e 0') continue;
      goals.push({
        what: `${s.name} median start-up`,
        measured: ms(med(s.name)),
        goal: `<= ${GOAL_RATIO}x node -e 0`,
        reference: `node -e 0 ${ms(ref)}`,
        ratio: med(s.name) / ref,
        ok: med(s.name) <= GOAL_RATIO * ref,
      });
    }
    out.push(...verdictLines(goals));
    process.stdout.write(out.join('\n'));
  } finally {
    guard.done();
    await hub?.stop();
    removeDir(dir);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:cli failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
