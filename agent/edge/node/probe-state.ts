/**
 * Probe results as kubelet counts them: a result flips only after successThreshold successes or
 * failureThreshold failures in a row. Readiness starts failed (not ready until proven), liveness
 * starts healthy, startup starts not-yet-started.
 */
import type { Container, Probe } from '../../../api/core.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeState {
  result: boolean;
  successes: number;
  failures: number;
}

export function initialProbeState(kind: ProbeKind, seed?: boolean): ProbeState {
  return { result: seed ?? kind === 'liveness', successes: 0, failures: 0 };
}

export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/** The API's defaults (period 10 s, timeout 1 s, thresholds 1 and 3); liveness and startup need 1 success. */
export function probeTiming(probe: Probe, kind: ProbeKind): ProbeTiming {
  const pos = (v: number | undefined, d: number): number => (v !== undefined && v > 0 ? v : d);
  return {
    initialDelayMs: Math.max(0, probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: pos(probe.periodSeconds, 10) * 1000,
    timeoutMs: pos(probe.timeoutSeconds, 1) * 1000,
    successThreshold: kind === 'readiness' ? pos(probe.successThreshold, 1) : 1,
    failureThreshold: pos(probe.failureThreshold, 3),
  };
}

export function probeStep(
  s: ProbeState,
  ok: boolean,
  t: Pick<ProbeTiming, 'successThreshold' | 'failureThreshold'>,
): ProbeState {
  if (ok) {
    const successes = s.successes + 1;
    return { result: successes >= t.successThreshold ? true : s.result, successes, failures: 0 };
  }
  const failures = s.failures + 1;
  return { result: failures >= t.failureThreshold ? false : s.result, successes: 0, failures };
}

/** A probe's port: a number, or the name of one of the container's ports. */
export function resolvePort(port: number | string, container: Container): number | undefined {
  if (typeof port === 'number') return port > 0 && port < 65536 ? port : undefined;
  if (/^\d+$/.test(port)) return resolvePort(Number(port), container);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export function probesOf(c: Container): [ProbeKind, Probe][] {
  const out: [ProbeKind, Probe][] = [];
  if (c.startupProbe) out.push(['startup', c.startupProbe]);
  if (c.livenessProbe) out.push(['liveness', c.livenessProbe]);
  if (c.readinessProbe) out.push(['readiness', c.readinessProbe]);
  return out;
}
