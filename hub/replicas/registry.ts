/**
 * Hub replicas on one store find each other through coordination.k8s.io/v1 Leases, the way
 * kube-apiserver replicas publish themselves (kube-system/apiserver-<id> Leases):
 *
 * - every replica holds `kube-federation-system/edgefed-hub-<replica id>` (holderIdentity = the
 *   id, renewed every few seconds) with the URL the other replicas reach it at in the
 *   REPLICA_URL_ANNOTATION annotation, and the CA it serves with (its hash) in REPLICA_CA_ANNOTATION;
 * - every tunnel a replica accepts is recorded as `edgefed-cluster-<name>/edgefed-tunnel`
 *   (holderIdentity = the replica id), renewed while the agent stays connected and released when
 *   it leaves. A new session claims the Lease whatever it said (the agent has one tunnel at a
 *   time, so the newest session is the live one); renewals only continue a claim this replica
 *   still holds, so a replica with a half-dead older session never takes it back.
 *
 * A replica that dies without releasing leaves Leases that expire (renewTime + duration), after
 * which nobody is considered to hold them. Expiry compares renewTime with this host's clock, as
 * the controller leader election does: hosts' clocks must agree to well within the duration.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, resourcePath } from '../../client/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../client/errors.js';
import type { Lease } from '../../client/leader-election.js';
import { microTime, parseTime } from '../../api/time.js';
import type { RuntimeLogger } from '../../client/log.js';
import { HUB_NAMESPACE, clusterNamespace } from '../../api/federation.js';

export const REPLICA_LEASE_PREFIX = 'edgefed-hub-';
export const TUNNEL_LEASE = 'edgefed-tunnel';
export const REPLICA_URL_ANNOTATION = 'edgefed.io/replica-url';
export const REPLICA_CA_ANNOTATION = 'edgefed.io/ca-hash';

const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };

interface AnnotatedLease extends Lease {
  metadata: Lease['metadata'] & { annotations?: Record<string, string> };
}

/**
 * A replica id as a Lease name suffix: lower-case DNS-1123 subdomain characters, at most 200 long
 * (so `edgefed-hub-<id>` stays a valid name).
 */
export function sanitizeReplicaId(raw: string): string {
  const id = raw
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 200)
    .replace(/[^a-z0-9]+$/, '');
  if (!id) throw new Error(`replica id "${raw}" has no usable characters (use letters, digits, '-', '.')`);
  return id;
}

export function replicaLeaseName(id: string): string {
  return `${REPLICA_LEASE_PREFIX}${id}`;
}

/** Whether a Lease is held (holderIdentity set) and not past renewTime + leaseDurationSeconds. */
export function leaseLive(lease: Lease | undefined, now = Date.now()): boolean {
  const spec = lease?.spec;
  if (!spec?.holderIdentity) return false;
  const renewed = parseTime(spec.renewTime) ?? parseTime(spec.acquireTime);
  if (renewed === undefined) return false;
  return renewed + (spec.leaseDurationSeconds ?? 0) * 1000 >= now;
}

export interface ReplicaOwner {
  id: string;
  url: string;
  /** The owner is this replica (its Lease says so but it has no session: a stale claim). */
  self: boolean;
}

export interface ReplicaRegistryOptions {
  /** This replica's id (already sanitized). */
  id: string;
  log: RuntimeLogger;
  /** sha256:<hex> of the CA this replica serves with: replicas with another CA are reported. */
  caHash?: string;
  /** Replica Lease validity (default 15 s). */
  leaseDurationSeconds?: number;
  /** Replica Lease renewal period (default a third of the duration). */
  renewIntervalMs?: number;
  /**
   * Tunnel Lease validity (default 40 s, renewed every quarter of it, as kubelets renew node
   * Leases): one write per connected cluster every 10 s. A longer validity costs nothing when a
   * replica dies: forwards to it fail at once (503), and the agent's reconnect re-claims the Lease.
   */
  tunnelLeaseDurationSeconds?: number;
}

export class ReplicaRegistry {
  readonly id: string;
  private readonly log: RuntimeLogger;
  private readonly durationSeconds: number;
  private readonly renewMs: number;
  private readonly tunnelSeconds: number;
  private readonly tunnelRenewMs: number;
  private client?: KubeClient;
  private url = '';
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Clusters with a live session here; `claim` until this session's claim has been written. */
  private readonly local = new Map<string, { claim: boolean; writtenAt: number }>();
  /** Per-cluster chains: the Lease writes of one cluster happen in order. */
  private readonly chains = new Map<string, Promise<void>>();
  private ownLease: Promise<void> = Promise.resolve();
  private warnedCa = new Set<string>();

  constructor(private readonly opts: ReplicaRegistryOptions) {
    this.id = opts.id;
    this.log = opts.log;
    this.durationSeconds = opts.leaseDurationSeconds ?? 15;
    this.renewMs = opts.renewIntervalMs ?? Math.max(500, (this.durationSeconds * 1000) / 3);
    this.tunnelSeconds = opts.tunnelLeaseDurationSeconds ?? 40;
    this.tunnelRenewMs = (this.tunnelSeconds * 1000) / 4;
  }

  /** Starts publishing this replica (call once its API serves; `url` is where other replicas reach it). */
  start(kc: KubeConfig, url: string): void {
    if (this.client || this.stopped) return;
    this.client = new KubeClient(kc, { timeoutMs: 5_000, fieldManager: 'edgefed-hub-replica' });
    this.url = url;
    this.log.info({ replica: this.id, url }, 'hub replica registering');
    this.tick();
    this.timer = setInterval(() => this.tick(), this.renewMs);
    this.timer.unref();
  }

  /** A tunnel session of `cluster` became (or stopped being) the current one on this replica. */
  tunnelChanged(cluster: string, connected: boolean): void {
    if (this.stopped) return;
    if (connected) this.local.set(cluster, { claim: true, writtenAt: 0 });
    else this.local.delete(cluster);
    this.schedule(cluster);
  }

  /**
   * The replica holding `cluster`'s tunnel, from the Leases: undefined when no live replica does.
   * Throws when the store cannot be read.
   */
  async owner(cluster: string): Promise<ReplicaOwner | undefined> {
    const client = this.client;
    if (!client) return undefined;
    const tunnel = await client.getIfExists<Lease>(tunnelLeasePath(cluster));
    if (!leaseLive(tunnel)) return undefined;
    const holder = String(tunnel?.spec?.holderIdentity);
    if (holder === this.id) return { id: holder, url: this.url, self: true };
    const replica = await client.getIfExists<AnnotatedLease>(
      resourcePath(LEASES, HUB_NAMESPACE, replicaLeaseName(holder)),
    );
    const url = replica?.metadata.annotations?.[REPLICA_URL_ANNOTATION];
    if (!leaseLive(replica) || !url) return undefined;
    return { id: holder, url, self: false };
  }

  /** Releases this replica's tunnel Leases and deletes its own Lease (call while the API still serves). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const clusters = [...this.local.keys()];
    this.local.clear();
    for (const c of clusters) this.schedule(c, true);
    await Promise.allSettled([...this.chains.values(), this.ownLease]);
    const client = this.client;
    if (!client) return;
    try {
      await client.deleteIfExists(resourcePath(LEASES, HUB_NAMESPACE, replicaLeaseName(this.id)));
    } catch (e) {
      this.log.warn({ err: e, replica: this.id }, 'deleting the replica lease failed (it expires)');
    }
  }

  // ---------------------------------------------------------------- internals

  private tick(): void {
    this.ownLease = this.ownLease.then(() =>
      this.renewOwn().catch((e: unknown) =>
        this.log.warn({ err: e, replica: this.id }, 'renewing the replica lease failed'),
      ),
    );
    const now = Date.now();
    for (const [c, entry] of this.local)
      if (entry.claim || now - entry.writtenAt >= this.tunnelRenewMs - this.renewMs / 2) this.schedule(c);
  }

  private schedule(cluster: string, releasing = false): void {
    if (!this.client || (this.stopped && !releasing)) return;
    const prev = this.chains.get(cluster) ?? Promise.resolve();
    const next = prev
      .then(() => this.syncTunnel(cluster))
      .catch((e: unknown) =>
        this.log.warn({ err: e, cluster, replica: this.id }, 'updating the tunnel lease failed'),
      );
    this.chains.set(cluster, next);
    void next.finally(() => {
      if (this.chains.get(cluster) === next) this.chains.delete(cluster);
    });
  }

  private async renewOwn(): Promise<void> {
    const client = this.client;
    if (!client || this.stopped) return;
    const collection = resourcePath(LEASES, HUB_NAMESPACE);
    const path = resourcePath(LEASES, HUB_NAMESPACE, replicaLeaseName(this.id));
    const now = Date.now();
    const annotations: Record<string, string> = { [REPLICA_URL_ANNOTATION]: this.url };
    if (this.opts.caHash) annotations[REPLICA_CA_ANNOTATION] = this.opts.caHash;
    const cur = await client.getIfExists<AnnotatedLease>(path);
    const spec = {
      holderIdentity: this.id,
      leaseDurationSeconds: this.durationSeconds,
      renewTime: microTime(now),
    };
    if (!cur) {
      await client
        .create(collection, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: replicaLeaseName(this.id), namespace: HUB_NAMESPACE, annotations },
          spec: { ...spec, acquireTime: microTime(now) },
        })
        .catch((e: unknown) => {
          if (!isAlreadyExists(e)) throw e;
        });
      await this.checkPeers();
      return;
    }
    const theirUrl = cur.metadata.annotations?.[REPLICA_URL_ANNOTATION];
    if (leaseLive(cur, now) && theirUrl && theirUrl !== this.url && this.url)
      this.log.warn(
        { replica: this.id, url: this.url, other: theirUrl },
        'another hub replica publishes the same replica id: give each replica its own --replica-id',
      );
    await client
      .update(path, {
        ...cur,
        metadata: { ...cur.metadata, annotations: { ...cur.metadata.annotations, ...annotations } },
        spec: { ...cur.spec, ...spec, acquireTime: cur.spec?.acquireTime ?? microTime(now) },
      })
      .catch((e: unknown) => {
        if (!isConflict(e) && !isNotFound(e)) throw e;
      });
  }

  /** Replicas that sign with another CA break agents that land on them: say so loudly. */
  private async checkPeers(): Promise<void> {
    const mine = this.opts.caHash;
    const client = this.client;
    if (!mine || !client) return;
    const list = await client.list<AnnotatedLease>(resourcePath(LEASES, HUB_NAMESPACE));
    for (const l of list.items) {
      const name = l.metadata.name;
      const theirs = l.metadata.annotations?.[REPLICA_CA_ANNOTATION];
      if (!name.startsWith(REPLICA_LEASE_PREFIX) || !theirs || theirs === mine || !leaseLive(l)) continue;
      if (this.warnedCa.has(name)) continue;
      this.warnedCa.add(name);
      this.log.error(
        { replica: this.id, other: name.slice(REPLICA_LEASE_PREFIX.length), ca: mine, otherCa: theirs },
        'another hub replica on this store serves with a different CA: agents joined through one are ' +
          'refused by the other; give all replicas the same --pki-dir',
      );
    }
  }

  /** Makes the cluster's tunnel Lease say what this replica knows (claim, renew or release). */
  private async syncTunnel(cluster: string): Promise<void> {
    const client = this.client;
    if (!client) return;
    const path = tunnelLeasePath(cluster);
    for (let attempt = 0; attempt < 3; attempt++) {
      const want = this.local.get(cluster);
      const cur = await client.getIfExists<Lease>(path);
      const holder = cur?.spec?.holderIdentity ?? '';
      const now = Date.now();
      try {
        if (!want) {
          if (!cur || holder !== this.id) return;
          const at = microTime(now);
          await client.update(path, {
            ...cur,
            spec: { ...cur.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: at },
          });
          this.log.debug({ cluster, replica: this.id }, 'tunnel lease released');
          return;
        }
        if (!want.claim && holder !== this.id && leaseLive(cur, now)) {
          // A newer session of this cluster is on another replica; ours is on its way out.
          this.log.debug({ cluster, replica: this.id, holder }, 'tunnel lease held by another replica');
          return;
        }
        const spec = {
          holderIdentity: this.id,
          leaseDurationSeconds: this.tunnelSeconds,
          renewTime: microTime(now),
          acquireTime: holder === this.id ? (cur?.spec?.acquireTime ?? microTime(now)) : microTime(now),
          leaseTransitions: (cur?.spec?.leaseTransitions ?? 0) + (holder === this.id || !cur ? 0 : 1),
        };
        if (!cur) {
          await client.create(resourcePath(LEASES, clusterNamespace(cluster)), {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: TUNNEL_LEASE, namespace: clusterNamespace(cluster) },
            spec,
          });
        } else {
          // resourceVersion from the GET: compare-and-swap against other replicas.
          await client.update(path, { ...cur, spec });
        }
        if (holder !== this.id) this.log.info({ cluster, replica: this.id }, 'tunnel lease claimed');
        want.writtenAt = now;
        want.claim = false;
        return;
      } catch (e) {
        if (isConflict(e) || isAlreadyExists(e)) continue;
        if (isNotFound(e) && !cur) {
          // The cluster namespace is gone (unjoined): nothing to record.
          this.log.debug({ cluster }, 'no cluster namespace for the tunnel lease');
          return;
        }
        throw e;
      }
    }
  }
}

export function tunnelLeasePath(cluster: string): string {
  return resourcePath(LEASES, clusterNamespace(cluster), TUNNEL_LEASE);
}
