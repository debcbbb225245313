/**
 * Which ClusterIP ports the site routes (pure): every TCP port of every Service with a ClusterIP
 * (not headless, not ExternalName), to that port's ready endpoints. Pods reach them through a nat
 * DNAT rule (iptables.ts) to a listener of the site's proxy on the bridge gateway.
 */
import type { Endpoints } from '../controllers/endpoints/types.js';
import type { Service } from '../controllers/types.js';
import { backendsFor, DEFAULT_AFFINITY_SECONDS, objectKey, type PortSpec, type ProxyRule } from './rules.js';

export interface ClusterIpRule extends ProxyRule {
  clusterIP: string;
}

export function clusterIpRules(
  services: Service[],
  endpoints: Map<string, Endpoints>,
  skip: ReadonlySet<string> = new Set(),
): ClusterIpRule[] {
  const out: ClusterIpRule[] = [];
  for (const svc of [...services].sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : 1))) {
    const key = objectKey(svc);
    const ip = svc.spec?.clusterIP as string | undefined;
    if (skip.has(key) || !ip || ip === 'None' || svc.spec?.type === 'ExternalName') continue;
    const affinity = svc.spec?.sessionAffinity === 'ClientIP';
    const timeout = (
      svc.spec?.sessionAffinityConfig as { clientIP?: { timeoutSeconds?: number } } | undefined
    )?.clientIP?.timeoutSeconds;
    for (const port of (svc.spec?.ports ?? []) as PortSpec[]) {
      if ((port.protocol ?? 'TCP') !== 'TCP') continue;
      out.push({
        key: `${ip}:${port.port}/TCP`,
        clusterIP: ip,
        port: port.port,
        service: key,
        backends: backendsFor(endpoints.get(key), port, true),
        ...(affinity ? { affinityTimeoutMs: (timeout ?? DEFAULT_AFFINITY_SECONDS) * 1000 } : {}),
      });
    }
  }
  return out;
}
