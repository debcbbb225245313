/**
 * Runs one probe once: exec through the engine, httpGet and tcpSocket to the pod's IP (the node's
 * with host networking). On the simulated engine there is no process to answer HTTP or TCP, so
 * network probes succeed, as KWOK's pods are ready.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { ContainerEngine } from '../engine/engine.js';
import { resolvePort } from './probe-state.js';
import type { Container, Probe } from '../../../api/core.js';

export interface ProbeTarget {
  engine: ContainerEngine;
  containerId: string;
  container: Container;
  /** The pod's IP ('' when unknown: network probes fail). */
  ip: string;
  /** True on the simulated engine. */
  simulated: boolean;
}

function httpProbe(p: NonNullable<Probe['httpGet']>, t: ProbeTarget, timeoutMs: number): Promise<boolean> {
  const port = resolvePort(p.port, t.container);
  const host = p.host || t.ip;
  if (port === undefined || !host) return Promise.resolve(false);
  const https = p.scheme === 'HTTPS';
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.32', accept: '*/*' };
  for (const h of p.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(ok);
    };
    const req = (https ? httpsRequest : httpRequest)({
      host,
      port,
      path: p.path || '/',
      method: 'GET',
      headers,
      // kubelet does not verify the certificate of an HTTPS probe.
      rejectUnauthorized: false,
      agent: false,
    });
    const timer = setTimeout(() => finish(false), timeoutMs);
    req.once('response', (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      finish(code >= 200 && code < 400);
    });
    req.once('error', () => finish(false));
    req.end();
  });
}

function tcpProbe(p: NonNullable<Probe['tcpSocket']>, t: ProbeTarget, timeoutMs: number): Promise<boolean> {
  const port = resolvePort(p.port, t.container);
  const host = p.host || t.ip;
  if (port === undefined || !host) return Promise.resolve(false);
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.once('connect', () => finish(true));
    sock.once('error', () => finish(false));
  });
}

export async function runProbe(probe: Probe, t: ProbeTarget, timeoutMs: number): Promise<boolean> {
  try {
    if (probe.exec) {
      const r = await t.engine.exec(t.containerId, probe.exec.command ?? [], timeoutMs);
      return r.exitCode === 0;
    }
    if (t.simulated) return true;
    if (probe.httpGet) return await httpProbe(probe.httpGet, t, timeoutMs);
    if (probe.tcpSocket) return await tcpProbe(probe.tcpSocket, t, timeoutMs);
    // gRPC probes are not implemented: report healthy rather than kill a working container.
    return true;
  } catch {
    return false;
  }
}
