/**
 * One timer per probe of each running container (kubelet's prober workers). Workers are keyed by
 * container id: a restarted container is a new id with fresh results. A result that flips wakes
 * the pod's sync, which turns it into readiness or a kill.
 */
import type { ContainerEngine } from '../engine/engine.js';
import { parseTime } from '../../../api/time.js';
import type { ProbeView } from './pod-status.js';
import {
  initialProbeState,
  probeStep,
  probeTiming,
  probesOf,
  type ProbeKind,
  type ProbeState,
} from './probe-state.js';
import { runProbe } from './prober.js';
import type { Container, Probe } from '../../../api/core.js';

export interface ProbeSubject {
  podUid: string;
  containerId: string;
  container: Container;
  /** RFC 3339: when the container started (initialDelaySeconds counts from it). */
  startedAt?: string;
  ip: string;
  /** Readiness to start from (the pod's current status) so an agent restart does not flap Ready. */
  seedReady?: boolean;
}

interface Worker {
  kind: ProbeKind;
  probe: Probe;
  state: ProbeState;
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

interface ContainerProbes {
  subject: ProbeSubject;
  workers: Worker[];
}

/** Liveness or startup failed failureThreshold times in a row: the container is to be killed. */
function failedForGood(w: Worker): boolean {
  return (
    (w.kind === 'liveness' || w.kind === 'startup') &&
    w.state.failures >= probeTiming(w.probe, w.kind).failureThreshold
  );
}

/** What a failed probe says (our prober reports success or failure, not the check's output). */
function probeOutput(p: Probe): string {
  if (p.httpGet) return `HTTP probe failed on port ${String(p.httpGet.port)}${p.httpGet.path ?? '/'}`;
  if (p.tcpSocket) return `dial tcp port ${String(p.tcpSocket.port)}: connection failed`;
  if (p.grpc) return `grpc probe failed on port ${String(p.grpc.port)}`;
  return 'command exited with a non-zero code';
}

export class ProbeManager {
  private readonly byContainer = new Map<string, ContainerProbes>();
  private readonly byPod = new Map<string, Set<string>>();
  private closed = false;

  constructor(
    private readonly engine: ContainerEngine,
    /** True on the simulated engine (known once the engine answered info()). */
    private readonly simulated: () => boolean,
    /** A result changed for a container of this pod. */
    private readonly onChange: (podUid: string) => void,
    /** A probe failed (kubelet's Unhealthy event). */
    private readonly onFailure?: (podUid: string, container: string, kind: ProbeKind, output: string) => void,
  ) {}

  /** Makes the pod's probe workers exactly those of `running` (its running containers). */
  sync(podUid: string, running: ProbeSubject[]): void {
    if (this.closed) return;
    const want = new Set(running.map((s) => s.containerId));
    for (const id of this.byPod.get(podUid) ?? []) if (!want.has(id)) this.drop(id);
    for (const s of running) {
      const existing = this.byContainer.get(s.containerId);
      if (existing) {
        existing.subject = s;
        continue;
      }
      const probes = probesOf(s.container);
      if (probes.length === 0) continue;
      const workers = probes.map(([kind, probe]) => ({
        kind,
        probe,
        state: initialProbeState(kind, kind === 'readiness' ? s.seedReady : undefined),
        stopped: false,
      }));
      const cp: ContainerProbes = { subject: s, workers };
      this.byContainer.set(s.containerId, cp);
      let set = this.byPod.get(podUid);
      if (!set) this.byPod.set(podUid, (set = new Set()));
      set.add(s.containerId);
      for (const w of workers) this.schedule(cp, w, true);
    }
  }

  view(containerId: string): ProbeView {
    const cp = this.byContainer.get(containerId);
    const v: ProbeView = {};
    if (!cp) {
      return v;
    }
    for (const w of cp.workers) {
      if (w.kind === 'readiness') v.ready = w.state.result;
      if (w.kind === 'startup') v.started = w.state.result;
    }
    return v;
  }

  /** Running containers of the pod whose liveness or startup probe failed (to be killed). */
  unhealthy(podUid: string): Set<string> {
    const out = new Set<string>();
    for (const id of this.byPod.get(podUid) ?? []) {
      const cp = this.byContainer.get(id);
      if (cp?.workers.some((w) => failedForGood(w))) out.add(id);
    }
    return out;
  }

  removePod(podUid: string): void {
    for (const id of this.byPod.get(podUid) ?? []) this.drop(id);
    this.byPod.delete(podUid);
  }

  close(): void {
    this.closed = true;
    for (const id of [...this.byContainer.keys()]) this.drop(id);
    this.byPod.clear();
  }

  private drop(containerId: string): void {
    const cp = this.byContainer.get(containerId);
    if (!cp) return;
    for (const w of cp.workers) {
      w.stopped = true;
      if (w.timer) clearTimeout(w.timer);
    }
    this.byContainer.delete(containerId);
    const set = this.byPod.get(cp.subject.podUid);
    set?.delete(containerId);
    if (set?.size === 0) this.byPod.delete(cp.subject.podUid);
  }

  private schedule(cp: ContainerProbes, w: Worker, first: boolean): void {
    if (w.stopped) return;
    const t = probeTiming(w.probe, w.kind);
    let delay = t.periodMs;
    if (first) {
      const started = parseTime(cp.subject.startedAt) ?? Date.now();
      delay = Math.max(0, started + t.initialDelayMs - Date.now());
    }
    w.timer = setTimeout(() => void this.tick(cp, w), delay);
    w.timer.unref();
  }

  private async tick(cp: ContainerProbes, w: Worker): Promise<void> {
    if (w.stopped) return;
    const startup = cp.workers.find((x) => x.kind === 'startup');
    // Until the startup probe passes, liveness and readiness wait (kubelet's rule).
    if (w.kind !== 'startup' && startup && !startup.state.result) {
      this.schedule(cp, w, false);
      return;
    }
    const t = probeTiming(w.probe, w.kind);
    const ok = await runProbe(
      w.probe,
      {
        engine: this.engine,
        containerId: cp.subject.containerId,
        container: cp.subject.container,
        ip: cp.subject.ip,
        simulated: this.simulated(),
      },
      t.timeoutMs,
    );
    if (w.stopped) return;
    if (!ok) this.onFailure?.(cp.subject.podUid, cp.subject.container.name, w.kind, probeOutput(w.probe));
    const before = w.state.result;
    w.state = probeStep(w.state, ok, t);
    const failed = failedForGood(w);
    const startupDone = w.kind === 'startup' && w.state.result;
    if (w.state.result !== before || failed) this.onChange(cp.subject.podUid);
    // A failed liveness/startup probe ends with the container; a passed startup probe is not run again.
    if (failed || startupDone) return;
    this.schedule(cp, w, false);
  }
}
