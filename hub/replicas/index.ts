/**
 * Several hub replicas on one etcd: what hub.ts wires in. Replicas share one PKI directory (same
 * CA, same serving and admin certificates), publish themselves and the tunnels they hold in Leases
 * (registry.ts), and forward `/clusters/<name>/proxy/...` to the replica holding the tunnel
 * (forward.ts). Agents keep one hub URL: an L4 load balancer in front of the replicas.
 */
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { RuntimeLogger } from '../../client/log.js';
import type { Pki } from '../../pki/pki.js';
import type { ProxyFallback } from '../tunnel/proxy.js';
import { replicaForwarder, type Forwarder } from './forward.js';
import { ReplicaRegistry, sanitizeReplicaId } from './registry.js';

export { FORWARDED_HEADER } from './forward.js';
export {
  REPLICA_LEASE_PREFIX,
  REPLICA_URL_ANNOTATION,
  TUNNEL_LEASE,
  replicaLeaseName,
  tunnelLeasePath,
} from './registry.js';

export interface ReplicaOptions {
  /** Publish this replica and forward proxy requests between replicas (default: with the etcd store). */
  enabled?: boolean;
  /** Unique among the replicas (default `<hostname>-<port>`); a Lease name suffix. */
  id?: string;
  /** The URL other replicas reach this one at (default https://<bind address>:<port>). */
  advertiseUrl?: string;
  /** Replica Lease validity (default 15 s, renewed every third of it; tunnel Leases: 40 s / 10 s). */
  leaseDurationSeconds?: number;
}

/**
 * Runs fn again (up to `attempts` times) when it fails with HTTP 409 (AlreadyExists or Conflict):
 * for the hub's start-up writes (namespaces, CRDs, defaults), which replicas starting at once on
 * one store race for. Each attempt re-reads what it writes, so the loser converges on the winner's.
 */
export async function retryConflicts<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if ((e as { code?: number }).code !== 409 || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 50 * i + Math.random() * 100));
    }
  }
}

/** Where the PKI lives: `<dataDir>/pki` (this hub's own) unless a directory shared by replicas is given. */
export function pkiLocation(dataDir: string, pkiDir: string | undefined): { dir: string; shared: boolean } {
  return pkiDir ? { dir: pkiDir, shared: true } : { dir: join(dataDir, 'pki'), shared: false };
}

/** The host of --advertise-url, for the serving certificate's names. */
export function advertiseUrlHost(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const u = parseAdvertiseUrl(url);
  return u.hostname.replace(/^\[|\]$/g, '');
}

export function parseAdvertiseUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--advertise-url: not a URL: ${JSON.stringify(url)} (e.g. https://10.0.0.5:6443)`);
  }
  if (u.protocol !== 'https:') throw new Error('--advertise-url must be an https:// URL');
  if (u.search || u.hash || (u.pathname !== '/' && u.pathname !== ''))
    throw new Error('--advertise-url takes scheme, host and port only');
  return u;
}

/** https://<bind>:<port>; for a wildcard bind, the first non-loopback address (else the host name). */
export function defaultReplicaUrl(bind: string, port: number): string {
  let host = bind;
  if (bind === '0.0.0.0' || bind === '::' || bind === '') {
    const addrs = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && !a.internal);
    const v4 = addrs.find((a) => a?.family === 'IPv4');
    host = v4?.address ?? addrs[0]?.address ?? hostname();
  }
  return `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

export interface HubReplicasDeps {
  options: ReplicaOptions;
  pki: Pki;
  log: RuntimeLogger;
}

export class HubReplicas {
  private registry?: ReplicaRegistry;
  private readonly pending = new Map<string, boolean>();
  private readonly forwarder: Forwarder;

  constructor(private readonly deps: HubReplicasDeps) {
    this.forwarder = replicaForwarder({
      registry: () => this.registry,
      tls: {
        ca: deps.pki.ca.cert,
        servingCert: deps.pki.server.cert,
        cert: deps.pki.admin.cert,
        key: deps.pki.admin.key,
      },
      log: deps.log,
    });
  }

  /** For registerTunnel: session changes go to the tunnel Leases, sessionless proxying to the forwarder. */
  tunnelDeps(): { onSessionChange: (cluster: string, connected: boolean) => void; forward: ProxyFallback } {
    return {
      onSessionChange: (cluster, connected) => {
        if (this.registry) this.registry.tunnelChanged(cluster, connected);
        else this.pending.set(cluster, connected);
      },
      forward: this.forwarder.handle,
    };
  }

  /** Starts publishing (once the API serves and the admin kubeconfig is loaded). Returns the replica id. */
  start(kc: KubeConfig, listen: { port: number; bind: string }): { id: string; url: string } {
    const o = this.deps.options;
    const id = sanitizeReplicaId(o.id ?? `${hostname()}-${listen.port}`);
    const url = o.advertiseUrl
      ? parseAdvertiseUrl(o.advertiseUrl).origin
      : defaultReplicaUrl(listen.bind, listen.port);
    this.registry = new ReplicaRegistry({
      id,
      log: this.deps.log,
      caHash: this.deps.pki.caHash,
      leaseDurationSeconds: o.leaseDurationSeconds,
    });
    this.registry.start(kc, url);
    for (const [cluster, connected] of this.pending) this.registry.tunnelChanged(cluster, connected);
    this.pending.clear();
    return { id, url };
  }

  /** Releases the Leases (call before the API server closes) and ends forwarded streams. */
  async stop(): Promise<void> {
    await this.registry?.stop();
    this.forwarder.close();
  }
}
