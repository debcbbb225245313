/**
 * Load-balancer addresses → DNS record targets. Pure.
 */
import { isIP } from 'node:net';
import type { Endpoint, LoadBalancerIngress, LoadBalancerStatus } from './types.js';

/** Addresses at one level of a name, split by the record type that can carry them. */
export interface TargetSet {
  v4: string[];
  v6: string[];
  hostnames: string[];
}

const HOSTNAME = /^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** Lower case without the root dot, or undefined when it is not a DNS name. */
export function normalizeHostname(name: string | undefined): string | undefined {
  const n = name?.trim().toLowerCase().replace(/\.$/, '');
  return n && n.length <= 253 && HOSTNAME.test(n) ? n : undefined;
}

/** One spelling per address, so that "2001:DB8::1" and "2001:db8:0::1" are one target. */
export function normalizeIp(ip: string | undefined): { family: 4 | 6; ip: string } | undefined {
  const s = ip?.trim() ?? '';
  const family = isIP(s);
  if (family === 4) return { family, ip: s };
  // A scoped address (fe80::1%eth0) means nothing outside its host: not a DNS target.
  if (family === 6 && !s.includes('%'))
    return { family, ip: new URL(`http://[${s}]/`).hostname.slice(1, -1) };
  return undefined;
}

/** Sort key that orders addresses numerically (10.0.0.2 before 10.0.0.10). */
function ipKey(ip: string): string {
  if (isIP(ip) === 4)
    return ip
      .split('.')
      .map((o) => o.padStart(3, '0'))
      .join('.');
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

function sortIps(ips: Iterable<string>): string[] {
  return [...new Set(ips)].sort((a, b) => (ipKey(a) < ipKey(b) ? -1 : ipKey(a) > ipKey(b) ? 1 : 0));
}

/**
 * The usable entries of a load-balancer status, deduplicated and sorted (IPs before hostnames),
 * each with exactly one of ip/hostname, so two equal statuses compare equal however a member
 * ordered or spelled them. Malformed entries are dropped.
 */
export function normalizeIngress(lb: LoadBalancerStatus | undefined): LoadBalancerIngress[] {
  const ips: string[] = [];
  const names: string[] = [];
  for (const i of Array.isArray(lb?.ingress) ? lb.ingress : []) {
    if (!i || typeof i !== 'object') continue;
    const ip = normalizeIp(typeof i.ip === 'string' ? i.ip : undefined);
    if (ip) ips.push(ip.ip);
    const host = normalizeHostname(typeof i.hostname === 'string' ? i.hostname : undefined);
    if (host) names.push(host);
  }
  return [
    ...sortIps(ips).map((ip) => ({ ip })),
    ...[...new Set(names)].sort().map((hostname) => ({ hostname })),
  ];
}

/** The targets of several load balancers together. */
export function targetsOf(lbs: LoadBalancerStatus[]): TargetSet {
  const v4: string[] = [];
  const v6: string[] = [];
  const hostnames: string[] = [];
  for (const lb of lbs) {
    for (const i of normalizeIngress(lb)) {
      if (i.ip) (isIP(i.ip) === 4 ? v4 : v6).push(i.ip);
      else if (i.hostname) hostnames.push(i.hostname);
    }
  }
  return { v4: sortIps(v4), v6: sortIps(v6), hostnames: [...new Set(hostnames)].sort() };
}

export function isEmpty(t: TargetSet): boolean {
  return t.v4.length === 0 && t.v6.length === 0 && t.hostnames.length === 0;
}

/**
 * The records of one name: A for IPv4 and AAAA for IPv6 addresses; with no address but hostnames
 * (a cloud load balancer's name), one CNAME to the first of them, because a CNAME may stand
 * neither beside other records nor with several targets. Hostnames next to addresses are left out
 * for the same reason.
 */
export function recordsFor(dnsName: string, t: TargetSet, ttl: number): Endpoint[] {
  const out: Endpoint[] = [];
  if (t.v4.length) out.push({ dnsName, recordType: 'A', targets: t.v4, recordTTL: ttl });
  if (t.v6.length) out.push({ dnsName, recordType: 'AAAA', targets: t.v6, recordTTL: ttl });
  if (out.length === 0 && t.hostnames.length)
    out.push({ dnsName, recordType: 'CNAME', targets: [t.hostnames[0]], recordTTL: ttl });
  return out;
}

export function cname(dnsName: string, target: string, ttl: number): Endpoint {
  return { dnsName, recordType: 'CNAME', targets: [target], recordTTL: ttl };
}

const TYPE_ORDER: Record<string, number> = { A: 0, AAAA: 1, CNAME: 2 };

/** Endpoints in one order (by name, then type), so equal inputs give byte-equal objects. */
export function sortEndpoints(eps: Endpoint[]): Endpoint[] {
  return [...eps].sort((a, b) =>
    a.dnsName !== b.dnsName
      ? a.dnsName < b.dnsName
        ? -1
        : 1
      : (TYPE_ORDER[a.recordType] ?? 9) - (TYPE_ORDER[b.recordType] ?? 9),
  );
}
