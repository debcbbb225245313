/**
 * The few plain HTTPS calls outside the Kubernetes API: fetching the CA without trust, registering
 * with a bootstrap token, renewing over mTLS. Bounded in time; answers status and text.
 */
import { request } from 'node:https';

export interface HttpsCall {
  url: string;
  method: 'GET' | 'POST';
  /** Trust anchor; omitted means no verification at all (only for the CA fetch, checked by hash). */
  ca?: string;
  insecure?: boolean;
  cert?: string;
  key?: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
}

export interface HttpsAnswer {
  status: number;
  body: string;
}

export function httpsCall(c: HttpsCall): Promise<HttpsAnswer> {
  const u = new URL(c.url);
  if (u.protocol !== 'https:') return Promise.reject(new Error(`${c.url}: only https is supported`));
  const payload = c.body === undefined ? undefined : JSON.stringify(c.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: c.method,
        hostname: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port || 443,
        path: u.pathname + u.search,
        rejectUnauthorized: !c.insecure,
        ...(c.ca ? { ca: c.ca } : {}),
        ...(c.cert && c.key ? { cert: c.cert, key: c.key } : {}),
        headers: {
          accept: 'application/json',
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
            : {}),
          ...c.headers,
        },
        agent: false,
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
        res.once('error', reject);
      },
    );
    req.setTimeout(c.timeoutMs ?? 15_000, () => req.destroy(new Error(`${c.method} ${c.url}: timed out`)));
    req.once('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The message of a Kubernetes Status body, or the text itself. */
export function statusMessage(body: string, status: number): string {
  try {
    const s = JSON.parse(body) as { message?: unknown; reason?: unknown };
    if (typeof s.message === 'string' && s.message) return s.message;
  } catch {
    // not JSON
  }
  return body.trim().slice(0, 500) || `HTTP ${status}`;
}
