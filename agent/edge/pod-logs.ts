/**
 * pods/log on the site API, answered by the node runtime: the query parameters kube-apiserver
 * accepts, validated as it does, so `kubectl logs [-f] [--tail] [--previous] [-c]` behaves the same
 * at the site and through the hub's proxy.
 */
import { Readable } from 'node:stream';
import { errors } from '../../apiserver/errors.js';
import type { ConnectHandler } from '../../apiserver/server/connect.js';

export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  limitBytes?: number;
}

export interface PodLogSource {
  logs(
    namespace: string,
    pod: string,
    opts: Omit<PodLogOptions, 'limitBytes'> & { signal?: AbortSignal },
  ): Promise<Readable>;
}

function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw errors.badRequest(`${name}: Invalid value: "${v}": must be true or false`);
}

function nonNegative(q: URLSearchParams, name: string, min = 0): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw errors.badRequest(
      `${name}: Invalid value: ${v}: must be ${min === 0 ? 'greater than or equal to 0' : 'greater than 0'}`,
    );
  return n;
}

export function parsePodLogQuery(q: URLSearchParams, now = Date.now()): PodLogOptions {
  let sinceSeconds = nonNegative(q, 'sinceSeconds', 1);
  const sinceTime = q.get('sinceTime');
  if (sinceTime) {
    if (sinceSeconds !== undefined)
      throw errors.badRequest('at most one of sinceTime or sinceSeconds may be specified');
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw errors.badRequest(`sinceTime: Invalid value: "${sinceTime}": not RFC 3339`);
    sinceSeconds = Math.max(1, Math.ceil((now - t) / 1000));
  }
  return {
    container: q.get('container') || undefined,
    follow: flag(q, 'follow'),
    previous: flag(q, 'previous'),
    timestamps: flag(q, 'timestamps'),
    tailLines: nonNegative(q, 'tailLines'),
    sinceSeconds,
    limitBytes: nonNegative(q, 'limitBytes', 1),
  };
}

export function podLogHandler(source: PodLogSource): ConnectHandler {
  return async (req) => {
    const { limitBytes, ...opts } = parsePodLogQuery(req.query);
    let stream = await source.logs(req.namespace ?? 'default', req.name, { ...opts, signal: req.signal });
    if (limitBytes !== undefined) stream = capBytes(stream, limitBytes);
    return { stream, contentType: 'text/plain' };
  };
}

/** kube's limitBytes: stop after that many bytes (the client sees a short, complete response). */
function capBytes(source: Readable, limit: number): Readable {
  async function* take(): AsyncGenerator<Buffer> {
    let left = limit;
    try {
      for await (const c of source as AsyncIterable<Buffer | string>) {
        const b = Buffer.isBuffer(c) ? c : Buffer.from(c);
        if (b.length >= left) {
          yield b.subarray(0, left);
          return;
        }
        left -= b.length;
        yield b;
      }
    } finally {
      source.destroy();
    }
  }
  return Readable.from(take(), { objectMode: false });
}
