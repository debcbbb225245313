/**
 * The site's service proxy (kube-proxy's userspace mode): a TCP listener on the node address for
 * every rule of rules.ts, forwarding each connection to a ready endpoint (round robin, ClientIP
 * affinity). Rules are recomputed from the Services and Endpoints caches on every change; a
 * listener whose port is taken is retried on the next change and logged once.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { jsonEqual } from '../../../apiserver/json-equal.js';
import type { Informer } from '../../../client/informer.js';
import type { RuntimeLogger } from '../../../client/log.js';
import type { Endpoints } from '../controllers/endpoints/types.js';
import type { Service } from '../controllers/types.js';
import { forwardConnection } from './forward.js';
import { Balancer, proxyRules, type ProxyRule } from './rules.js';

interface Listener {
  rule: ProxyRule;
  server: Server;
  balancer: Balancer;
  sockets: Set<Socket>;
}

export interface ServiceProxyOptions {
  /** The site controllers' caches (no second watch of the same kinds). */
  services: Informer<Service>;
  endpoints: Informer<Endpoints>;
  nodeIp: string;
  log: RuntimeLogger;
}

export class ServiceProxy {
  private readonly services: Informer<Service>;
  private readonly endpoints: Informer<Endpoints>;
  private readonly listeners = new Map<string, Listener>();
  private readonly failed = new Map<string, string>();
  private stopped = false;

  constructor(private readonly opts: ServiceProxyOptions) {
    this.services = opts.services;
    this.endpoints = opts.endpoints;
    for (const i of [this.services, this.endpoints] as Informer<Service | Endpoints>[]) {
      i.on('add', () => this.sync());
      i.on('update', () => this.sync());
      i.on('delete', () => this.sync());
    }
  }

  /** Call once the caches are synced (they are shared, so started and stopped by their owner). */
  start(): void {
    this.sync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.listeners.keys()].map((k) => this.close(k)));
  }

  /** The ports listened on now (for tests and logs). */
  ports(): number[] {
    return [...this.listeners.values()].map((l) => l.rule.port).sort((a, b) => a - b);
  }

  private sync(): void {
    if (this.stopped || !this.services.hasSynced() || !this.endpoints.hasSynced()) return;
    const byKey = new Map(
      this.endpoints.list().map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]),
    );
    const rules = new Map(proxyRules(this.services.list(), byKey, this.opts.nodeIp).map((r) => [r.key, r]));
    for (const key of this.listeners.keys()) if (!rules.has(key)) void this.close(key);
    for (const [key, rule] of rules) {
      const cur = this.listeners.get(key);
      if (cur) {
        if (!jsonEqual(cur.rule, rule)) cur.rule = rule;
        continue;
      }
      this.listen(rule);
    }
  }

  private listen(rule: ProxyRule): void {
    const l: Listener = {
      rule,
      server: createServer({ allowHalfOpen: true }),
      balancer: new Balancer(),
      sockets: new Set(),
    };
    l.server.on('connection', (client) => this.forward(l, client));
    l.server.once('error', (e: NodeJS.ErrnoException) => {
      this.listeners.delete(rule.key);
      if (this.failed.get(rule.key) !== e.code)
        this.opts.log.warn(
          { port: rule.port, service: rule.service, err: e.message },
          'cannot listen for service',
        );
      this.failed.set(rule.key, String(e.code));
    });
    l.server.listen(rule.port, this.opts.nodeIp, () => {
      this.failed.delete(rule.key);
      this.opts.log.info(
        { port: rule.port, service: rule.service, nodeIp: this.opts.nodeIp },
        'proxying service port',
      );
    });
    this.listeners.set(rule.key, l);
  }

  private forward(l: Listener, client: Socket): void {
    forwardConnection(l.rule, l.balancer, l.sockets, client);
  }

  private async close(key: string): Promise<void> {
    const l = this.listeners.get(key);
    if (!l) return;
    this.listeners.delete(key);
    for (const s of l.sockets) s.destroy();
    await new Promise<void>((r) => l.server.close(() => r()));
  }
}
