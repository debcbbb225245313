/**
 * ClusterIPs reachable from the site's pods: each ClusterIP TCP port gets a listener of this
 * (userspace) proxy on the bridge gateway, on a free port, and a DNAT rule from
 * `<clusterIP>:<port>` to it (iptables.ts). A connection picks a ready endpoint when it arrives
 * (round robin, ClientIP affinity), so an endpoint change needs no rule change: only Services
 * appearing or going rewrite the chain. The gateway exists only once podman made its bridge, so a
 * listener that cannot bind yet is retried.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Informer } from '../../../client/informer.js';
import type { RuntimeLogger } from '../../../client/log.js';
import type { Endpoints } from '../controllers/endpoints/types.js';
import type { Service } from '../controllers/types.js';
import { clusterIpRules, type ClusterIpRule } from './cluster-ip.js';
import { forwardConnection } from './forward.js';
import type { Dnat, ServiceChains } from './iptables.js';
import { Balancer } from './rules.js';

const RETRY_MS = 500;

interface Listener {
  rule: ClusterIpRule;
  server: Server;
  balancer: Balancer;
  sockets: Set<Socket>;
  /** 0 until listening. */
  port: number;
}

export interface ClusterIpProxyOptions {
  services: Informer<Service>;
  endpoints: Informer<Endpoints>;
  /** The bridge gateway: where pods' DNATed connections arrive. */
  host: string;
  chains: ServiceChains;
  /** Rules owned elsewhere (the cluster DNS's), kept in the same chain. */
  extraRules: () => Dnat[];
  /** Services whose ClusterIP is served by someone else (`ns/name`). */
  skip: ReadonlySet<string>;
  log: RuntimeLogger;
}

export class ClusterIpProxy {
  private readonly listeners = new Map<string, Listener>();
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private lastRules = '';

  constructor(private readonly opts: ClusterIpProxyOptions) {
    for (const i of [opts.services, opts.endpoints] as Informer<Service | Endpoints>[])
      for (const ev of ['add', 'update', 'delete'] as const) i.on(ev, () => this.sync());
  }

  start(): void {
    this.sync();
  }

  /** Where `<clusterIP>:<port>` is served now (tests, bench). */
  target(clusterIP: string, port: number): { host: string; port: number } | undefined {
    const l = this.listeners.get(`${clusterIP}:${port}/TCP`);
    return l?.port ? { host: this.opts.host, port: l.port } : undefined;
  }

  /** The endpoints `<clusterIP>:<port>` is balanced over now (bench, logs). */
  backends(clusterIP: string, port: number): string[] {
    return (this.listeners.get(`${clusterIP}:${port}/TCP`)?.rule.backends ?? []).map(
      (b) => `${b.ip}:${b.port}`,
    );
  }

  /** Re-applies the chain (after the extra rules changed). */
  sync(): void {
    const { services, endpoints } = this.opts;
    if (this.stopped || !services.hasSynced() || !endpoints.hasSynced()) return;
    const byKey = new Map(endpoints.list().map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]));
    const rules = new Map(clusterIpRules(services.list(), byKey, this.opts.skip).map((r) => [r.key, r]));
    for (const key of [...this.listeners.keys()]) if (!rules.has(key)) this.close(key);
    for (const [key, rule] of rules) {
      const cur = this.listeners.get(key);
      if (cur) cur.rule = rule;
      else this.listen(rule);
    }
    this.applyChain();
  }

  private applyChain(): void {
    const dnats: Dnat[] = [...this.listeners.values()]
      .filter((l) => l.port > 0)
      .map((l) => ({
        proto: 'tcp',
        ip: l.rule.clusterIP,
        port: l.rule.port,
        toIp: this.opts.host,
        toPort: l.port,
        comment: l.rule.service,
      }));
    dnats.push(...this.opts.extraRules());
    const sig = JSON.stringify(dnats);
    if (sig === this.lastRules) return;
    this.lastRules = sig;
    this.opts.chains.apply(dnats).catch((e: Error) => {
      this.lastRules = '';
      this.opts.log.warn({ err: e.message }, 'cannot apply ClusterIP rules');
      this.later();
    });
  }

  private later(): void {
    if (!this.stopped) this.retry ??= setTimeout(() => ((this.retry = undefined), this.sync()), RETRY_MS);
  }

  private listen(rule: ClusterIpRule): void {
    const l: Listener = {
      rule,
      server: createServer({ allowHalfOpen: true }),
      balancer: new Balancer(),
      sockets: new Set(),
      port: 0,
    };
    l.server.on('connection', (c) => forwardConnection(l.rule, l.balancer, l.sockets, c));
    l.server.once('error', () => {
      // Mostly the gateway not there yet: try again shortly.
      if (this.listeners.get(rule.key) === l) this.listeners.delete(rule.key);
      this.later();
    });
    l.server.listen(0, this.opts.host, () => {
      l.port = (l.server.address() as { port: number }).port;
      this.opts.log.info(
        { clusterIP: rule.clusterIP, port: rule.port, service: rule.service, via: l.port },
        'routing ClusterIP port',
      );
      this.applyChain();
    });
    this.listeners.set(rule.key, l);
  }

  private close(key: string): void {
    const l = this.listeners.get(key);
    if (!l) return;
    this.listeners.delete(key);
    for (const s of l.sockets) s.destroy();
    l.server.close();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    for (const key of [...this.listeners.keys()]) this.close(key);
    await this.opts.chains.remove();
  }
}
