/**
 * Keeps the zones current from the hub API: an Informer on Domains (kube-federation-system) and
 * one on DNSEndpoints (all namespaces). A DNSEndpoint change rebuilds only the zones its old and
 * new names fall in; a Domain change (rare: it moves zone boundaries) rebuilds them all. Changes
 * arriving together (an initial list, a relist) are coalesced into one rebuild per zone.
 *
 * Nothing is published before both informers have listed once: answering from half a list would
 * give false NXDOMAINs, while no zones means REFUSED, which resolvers treat as "ask elsewhere".
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { Informer, objectKey } from '../client/informer.js';
import { silentLogger, type RuntimeLogger } from '../client/log.js';
import { DNS_GROUP, DNS_VERSION, DOMAIN_NAMESPACE, type DNSEndpoint, type Domain } from './types.js';
import {
  buildZone,
  endpointOrigins,
  nextSerial,
  zoneDefs,
  type Zone,
  type ZoneDef,
  type ZoneSet,
} from './zone.js';

export interface DnsSourceOptions {
  kc: KubeConfig;
  /** Called with a new snapshot after each rebuild; `changed` names the zones rebuilt. */
  onChange: (zones: ZoneSet, changed: ReadonlySet<string>) => void;
  log?: RuntimeLogger;
}

export class DnsSource {
  private readonly domains: Informer<Domain>;
  private readonly endpoints: Informer<DNSEndpoint>;
  private readonly log: RuntimeLogger;
  private defs = new Map<string, ZoneDef>();
  private origins = new Set<string>();
  private zones = new Map<string, Zone>();
  /** DNSEndpoint key → the zones its names are in (to know what to rebuild on change or delete). */
  private readonly epOrigins = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  private allDirty = true;
  private scheduled = false;
  private published = false;
  private maxRv = 0;
  private rebuilds = 0;

  constructor(private readonly opts: DnsSourceOptions) {
    this.log = opts.log ?? silentLogger;
    const base = `/apis/${DNS_GROUP}/${DNS_VERSION}`;
    this.domains = new Informer<Domain>({
      kc: opts.kc,
      listPath: `${base}/namespaces/${DOMAIN_NAMESPACE}/domains`,
      logger: this.log,
      resyncMs: 0,
    });
    this.endpoints = new Informer<DNSEndpoint>({
      kc: opts.kc,
      listPath: `${base}/dnsendpoints`,
      logger: this.log,
      resyncMs: 0,
    });
    const onDomain = (o: Domain): void => {
      this.seen(o);
      this.allDirty = true;
      this.schedule();
    };
    this.domains.on('add', onDomain);
    this.domains.on('update', onDomain);
    this.domains.on('delete', onDomain);
    this.domains.on('synced', () => this.schedule());
    const onEndpoint = (o: DNSEndpoint): void => {
      this.seen(o);
      this.endpointChanged(objectKey(o), this.endpoints.get(objectKey(o)));
      this.schedule();
    };
    this.endpoints.on('add', onEndpoint);
    this.endpoints.on('update', onEndpoint);
    this.endpoints.on('delete', onEndpoint);
    this.endpoints.on('synced', () => this.schedule());
  }

  start(): void {
    this.domains.start();
    this.endpoints.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.domains.stop(), this.endpoints.stop()]);
  }

  /** Resolves once the first snapshot has been published. */
  async waitForSync(): Promise<void> {
    await Promise.all([this.domains.waitForSync(), this.endpoints.waitForSync()]);
    await new Promise<void>((r) => setImmediate(r));
  }

  snapshot(): ZoneSet {
    return this.zones;
  }

  stats(): { zones: number; endpoints: number; rebuilds: number } {
    return { zones: this.zones.size, endpoints: this.epOrigins.size, rebuilds: this.rebuilds };
  }

  private seen(o: { metadata: { resourceVersion?: string } }): void {
    const rv = Number(o.metadata.resourceVersion);
    if (Number.isFinite(rv) && rv > this.maxRv) this.maxRv = rv;
  }

  private endpointChanged(key: string, now: DNSEndpoint | undefined): void {
    for (const o of this.epOrigins.get(key) ?? []) this.dirty.add(o);
    if (!now) {
      this.epOrigins.delete(key);
      return;
    }
    const origins = endpointOrigins(now, this.origins);
    for (const o of origins) this.dirty.add(o);
    this.epOrigins.set(key, origins);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate: every event of one list or one watch chunk lands before the rebuild.
    setImmediate(() => {
      this.scheduled = false;
      try {
        this.flush();
      } catch (e) {
        this.log.error({ err: e }, 'dns: zone rebuild failed');
      }
    });
  }

  private flush(): void {
    if (!this.domains.hasSynced() || !this.endpoints.hasSynced()) return;
    const candidate = Math.max(
      this.maxRv,
      Number(this.domains.lastResourceVersion()) || 0,
      Number(this.endpoints.lastResourceVersion()) || 0,
    );
    const endpoints = this.endpoints.list();
    let changed: Set<string>;
    if (this.allDirty) {
      const { defs, problems } = zoneDefs(this.domains.list());
      for (const p of problems) this.log.warn({ problem: p }, 'dns: Domain ignored');
      this.defs = new Map(defs.map((d) => [d.origin, d]));
      this.origins = new Set(this.defs.keys());
      this.epOrigins.clear();
      for (const ep of endpoints) this.epOrigins.set(objectKey(ep), endpointOrigins(ep, this.origins));
      changed = new Set(this.origins);
      for (const o of this.zones.keys()) changed.add(o);
    } else {
      changed = new Set([...this.dirty].filter((o) => this.defs.has(o)));
    }
    this.allDirty = false;
    this.dirty.clear();
    if (changed.size === 0 && this.published) return;
    const next = new Map(this.zones);
    for (const origin of changed) {
      const def = this.defs.get(origin);
      if (!def) {
        next.delete(origin);
        continue;
      }
      const members = endpoints.filter((ep) => this.epOrigins.get(objectKey(ep))?.has(origin));
      const prev = this.zones.get(origin);
      const zone = buildZone(def, members, this.origins, nextSerial(prev?.serial, candidate));
      const before = new Set(prev?.conflicts ?? []);
      for (const c of zone.conflicts)
        if (!before.has(c)) this.log.warn({ zone: origin, conflict: c }, 'dns: record conflict');
      next.set(origin, zone);
    }
    this.zones = next;
    this.published = true;
    this.rebuilds++;
    this.log.debug({ changed: [...changed] }, 'dns: zones rebuilt');
    this.opts.onChange(next, changed);
  }
}
