/**
 * A read-only GET client for the fleet view that starts fast: it reads the kubeconfig with js-yaml
 * and sends plain node:https requests, instead of loading @kubernetes/client-node (over a second
 * on a busy machine, more than the whole command may take). It understands what edgefed's and
 * most kubeconfigs use: server, CA, client certificate and key (inline or files), a bearer token
 * (or token file), tls-server-name and insecure-skip-tls-verify. Users authenticated by exec or
 * auth-provider plugins go through client-node instead (`needsClientNode`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import yaml from 'js-yaml';

interface Named<T> {
  name: string;
  [k: string]: unknown;
  value?: T;
}

interface KubeconfigFile {
  'current-context'?: string;
  clusters?: (Named<never> & { cluster?: Record<string, unknown> })[];
  users?: (Named<never> & { user?: Record<string, unknown> })[];
  contexts?: (Named<never> & { context?: { cluster?: string; user?: string } })[];
}

export interface HubTarget {
  server: string;
  tls: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
  token?: string;
}

export class HubRequestError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The kubeconfig's current (or named) context, or undefined when client-node must handle the user. */
export function hubTarget(path: string, context?: string): HubTarget | undefined {
  if (!existsSync(path))
    throw new Error(`kubeconfig ${path} does not exist (use --kubeconfig or set KUBECONFIG)`);
  let cfg: KubeconfigFile;
  try {
    cfg = (yaml.load(readFileSync(path, 'utf8')) ?? {}) as KubeconfigFile;
  } catch (e) {
    throw new Error(`cannot load kubeconfig ${path}: ${(e as Error).message}`);
  }
  const ctxName = context ?? cfg['current-context'];
  const ctx = cfg.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`context "${ctxName ?? ''}" not found in ${path}`);
  const cluster = cfg.clusters?.find((c) => c.name === ctx.cluster)?.cluster ?? {};
  const user = cfg.users?.find((u) => u.name === ctx.user)?.user ?? {};
  if (user.exec || user['auth-provider'] || user.username) return undefined;
  const server = str(cluster.server);
  if (!server) throw new Error(`kubeconfig ${path} has no current cluster with a server`);
  if (!server.startsWith('https://')) return undefined;
  const base = dirname(path);
  const pem = (data: unknown, file: unknown): Buffer | undefined => {
    if (str(data)) return Buffer.from(String(data), 'base64');
    const f = str(file);
    return f ? readFileSync(isAbsolute(f) ? f : join(base, f)) : undefined;
  };
  const tokenFile = str(user.tokenFile);
  return {
    server: server.replace(/\/+$/, ''),
    tls: {
      ca: pem(cluster['certificate-authority-data'], cluster['certificate-authority']),
      cert: pem(user['client-certificate-data'], user['client-certificate']),
      key: pem(user['client-key-data'], user['client-key']),
      rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
      servername: str(cluster['tls-server-name']),
    },
    token: str(user.token) ?? (tokenFile ? readFileSync(tokenFile, 'utf8').trim() : undefined),
  };
}

/** GET → parsed JSON; a non-2xx answer throws with the Status' message. */
export function getJson<T>(t: HubTarget, path: string, timeoutMs = 10_000): Promise<T> {
  const u = new URL(t.server + path);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: 'GET',
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        headers: { accept: 'application/json', ...(t.token ? { authorization: `Bearer ${t.token}` } : {}) },
        ...t.tls,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300 && body !== undefined) resolve(body as T);
          else {
            const message = (body as { message?: string } | undefined)?.message;
            reject(new HubRequestError(message ?? `GET ${path}: HTTP ${status} ${text.slice(0, 200)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new HubRequestError(`GET ${path}: no answer in ${timeoutMs} ms`, 'ETIMEDOUT')),
    );
    req.on('error', (e: NodeJS.ErrnoException) =>
      reject(new HubRequestError(`cannot reach the hub at ${t.server}: ${e.message}`, e.code)),
    );
    req.end();
  });
}
