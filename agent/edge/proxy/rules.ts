/**
 * What the site's service proxy listens on and forwards to (pure): for every NodePort or
 * LoadBalancer Service, each TCP port's node port on the node address, and for LoadBalancer its
 * service port there too (status.loadBalancer points at the node), to the ready endpoints of the
 * port. A LoadBalancer port whose backends already are the node address and that port (host
 * networking) is left to them, as is one with no endpoints yet: the proxy must not take a port a
 * host-network pod is about to bind.
 */
import type { Endpoints } from '../controllers/endpoints/types.js';
import type { Service } from '../controllers/types.js';

export interface Backend {
  ip: string;
  port: number;
}

export interface ProxyRule {
  /** `<port>/TCP`: one listener per node port. */
  key: string;
  port: number;
  service: string;
  backends: Backend[];
  /** ClientIP: a client sticks to its backend for this long (kube's default 3 h). */
  affinityTimeoutMs?: number;
}

export interface PortSpec {
  name?: string;
  port: number;
  protocol?: string;
  nodePort?: number;
}

export const DEFAULT_AFFINITY_SECONDS = 10_800;

export function backendsFor(ep: Endpoints | undefined, port: PortSpec, ready: boolean): Backend[] {
  const out: Backend[] = [];
  for (const s of ep?.subsets ?? []) {
    const p = (s.ports ?? []).find(
      (x) => (x.name ?? '') === (port.name ?? '') && (x.protocol ?? 'TCP') === 'TCP',
    );
    if (!p) continue;
    const addrs = ready ? (s.addresses ?? []) : [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])];
    for (const a of addrs) out.push({ ip: a.ip, port: p.port });
  }
  return out.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
}

export function proxyRules(
  services: Service[],
  endpoints: Map<string, Endpoints>,
  nodeIp: string,
): ProxyRule[] {
  const rules = new Map<string, ProxyRule>();
  for (const svc of [...services].sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : 1))) {
    const type = svc.spec?.type;
    if (type !== 'NodePort' && type !== 'LoadBalancer') continue;
    const key = objectKey(svc);
    const ep = endpoints.get(key);
    const affinity = svc.spec?.sessionAffinity === 'ClientIP';
    const timeout = (
      svc.spec?.sessionAffinityConfig as { clientIP?: { timeoutSeconds?: number } } | undefined
    )?.clientIP?.timeoutSeconds;
    for (const port of (svc.spec?.ports ?? []) as PortSpec[]) {
      if ((port.protocol ?? 'TCP') !== 'TCP') continue;
      const backends = backendsFor(ep, port, true);
      const base = {
        service: key,
        backends,
        ...(affinity ? { affinityTimeoutMs: (timeout ?? DEFAULT_AFFINITY_SECONDS) * 1000 } : {}),
      };
      if (port.nodePort)
        rules.set(`${port.nodePort}/TCP`, { key: `${port.nodePort}/TCP`, port: port.nodePort, ...base });
      if (type === 'LoadBalancer') {
        const all = backendsFor(ep, port, false);
        const hostNetwork = all.some((b) => b.ip === nodeIp && b.port === port.port);
        const k = `${port.port}/TCP`;
        if (all.length > 0 && !hostNetwork && !rules.has(k))
          rules.set(k, { key: k, port: port.port, ...base });
      }
    }
  }
  return [...rules.values()];
}

export function objectKey(o: { metadata: { namespace?: string; name?: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/** Round robin over the backends; with ClientIP affinity a client keeps its backend while it lasts. */
export class Balancer {
  private next = 0;
  private readonly sticky = new Map<string, { backend: Backend; until: number }>();

  pick(rule: ProxyRule, clientIp: string, nowMs: number): Backend | undefined {
    if (rule.backends.length === 0) return undefined;
    if (rule.affinityTimeoutMs !== undefined) {
      const s = this.sticky.get(clientIp);
      if (
        s &&
        s.until > nowMs &&
        rule.backends.some((b) => b.ip === s.backend.ip && b.port === s.backend.port)
      ) {
        s.until = nowMs + rule.affinityTimeoutMs;
        return s.backend;
      }
    }
    const backend = rule.backends[this.next++ % rule.backends.length];
    if (rule.affinityTimeoutMs !== undefined)
      this.sticky.set(clientIp, { backend, until: nowMs + rule.affinityTimeoutMs });
    return backend;
  }
}
