/**
 * The site's cluster DNS answers (pure, what kube-dns/CoreDNS's kubernetes plugin answers for
 * Services): `<svc>.<ns>.svc.cluster.local` A → the ClusterIP, or for a headless Service the ready
 * endpoint addresses; `_<port>._<proto>.<svc>.<ns>.svc.cluster.local` SRV for named ports;
 * NXDOMAIN for any other name in cluster.local. Names outside it are REFUSED: the site must answer
 * with the hub and the internet away, and the agent is not meant to be an open recursive resolver
 * for whatever the pods ask (pods wanting the node's resolvers use dnsPolicy Default).
 */
import type { Endpoints } from '../controllers/endpoints/types.js';
import type { Service } from '../controllers/types.js';

export const CLUSTER_DOMAIN = 'cluster.local';
/** Short TTL: a readiness change must show within seconds in what clients cache. */
export const TTL = 5;

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED';

export interface ARecord {
  type: 'A';
  name: string;
  ttl: number;
  data: string;
}
export interface SrvRecord {
  type: 'SRV';
  name: string;
  ttl: number;
  data: { priority: number; weight: number; port: number; target: string };
}
export type ClusterRecord = ARecord | SrvRecord;

export interface Lookup {
  rcode: Rcode;
  answers: ClusterRecord[];
}

interface PortSpec {
  name?: string;
  port: number;
  protocol?: string;
}

export interface ServiceView {
  /** `<ns>/<name>` → Service and its Endpoints (the informers' caches). */
  service(ns: string, name: string): Service | undefined;
  endpoints(ns: string, name: string): Endpoints | undefined;
}

function readyIps(ep: Endpoints | undefined): string[] {
  const ips = new Set<string>();
  for (const s of ep?.subsets ?? []) for (const a of s.addresses ?? []) ips.add(a.ip);
  return [...ips].sort();
}

function addressesOf(svc: Service, ep: Endpoints | undefined): string[] {
  const ip = svc.spec?.clusterIP as string | undefined;
  if (svc.spec?.type === 'ExternalName') return [];
  if (!ip || ip === 'None') return readyIps(ep);
  return [ip];
}

/** What a question for `name` (any case, with or without the final dot) and `type` gets. */
export function lookup(view: ServiceView, rawName: string, type: string): Lookup {
  const name = rawName.toLowerCase().replace(/\.$/, '');
  const suffix = `.svc.${CLUSTER_DOMAIN}`;
  if (name !== CLUSTER_DOMAIN && !name.endsWith(`.${CLUSTER_DOMAIN}`))
    return { rcode: 'REFUSED', answers: [] };
  const nx: Lookup = { rcode: 'NXDOMAIN', answers: [] };
  if (!name.endsWith(suffix)) return nx;
  const labels = name.slice(0, -suffix.length).split('.');
  if (labels.length === 2) {
    const [svcName, ns] = labels;
    const svc = view.service(ns, svcName);
    if (!svc) return nx;
    if (type !== 'A' && type !== 'ANY') return { rcode: 'NOERROR', answers: [] };
    const ips = addressesOf(svc, view.endpoints(ns, svcName));
    return { rcode: 'NOERROR', answers: ips.map((data) => ({ type: 'A', name, ttl: TTL, data })) };
  }
  if (labels.length === 4 && labels[0].startsWith('_') && labels[1].startsWith('_')) {
    const [portLabel, protoLabel, svcName, ns] = labels;
    const svc = view.service(ns, svcName);
    const port = ((svc?.spec?.ports ?? []) as PortSpec[]).find(
      (p) =>
        p.name !== undefined &&
        `_${p.name.toLowerCase()}` === portLabel &&
        `_${(p.protocol ?? 'TCP').toLowerCase()}` === protoLabel,
    );
    if (!svc || !port) return nx;
    if (type !== 'SRV' && type !== 'ANY') return { rcode: 'NOERROR', answers: [] };
    const target = `${svcName}.${ns}${suffix}`;
    return {
      rcode: 'NOERROR',
      answers: [{ type: 'SRV', name, ttl: TTL, data: { priority: 0, weight: 100, port: port.port, target } }],
    };
  }
  return nx;
}
