/**
 * Authoritative zones from Domain and DNSEndpoint objects (pure).
 *
 * One zone per distinct `Domain.domain` (several Domain objects naming the same domain share one
 * zone; the first by namespace/name gives its name server), plus the built-in `clusterset.local`.
 * Each endpoint name belongs to the zone with the longest matching suffix; names under no zone are
 * not served (and reported by the source).
 *
 * Conflicts are resolved the same way whatever the order objects arrive in (DNSEndpoints are read
 * in namespace/name order, record data is sorted), and each resolution is reported:
 *  - the same name and type from several endpoints or objects merge into one RRset (targets
 *    de-duplicated); its TTL is the smallest of theirs (RFC 2181 §5.2: one TTL per RRset);
 *  - a CNAME cannot share its name with other data (RFC 1034 §3.6.2): the other data wins and the
 *    CNAME is dropped, because kubefed's records only CNAME a level that has no addresses, so a
 *    name holding both is a level that has just gained addresses;
 *  - several CNAME targets at one name: the lexically smallest target is kept;
 *  - the apex has only the generated SOA and NS (plus addresses, TXT, MX): a CNAME there is
 *    dropped, and SOA and NS endpoints are ignored everywhere (no delegations);
 *  - targets that do not parse for their type (a non-IPv4 A target, a malformed SRV) are dropped
 *    one by one; unsupported record types are dropped whole.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { inZone, normalizeName, parentName } from './names.js';
import { CLUSTERSET_ZONE, DEFAULT_RECORD_TTL, type DNSEndpoint, type Domain } from './types.js';

export type RRType = 'A' | 'AAAA' | 'CNAME' | 'NS' | 'PTR' | 'SRV' | 'MX' | 'TXT' | 'SOA';

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface MxData {
  preference: number;
  exchange: string;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export type RRSet =
  | { type: 'A' | 'AAAA' | 'CNAME' | 'NS' | 'PTR'; ttl: number; data: string[] }
  | { type: 'SRV'; ttl: number; data: SrvData[] }
  | { type: 'MX'; ttl: number; data: MxData[] }
  | { type: 'TXT'; ttl: number; data: string[][] }
  | { type: 'SOA'; ttl: number; data: SoaData[] };

export type ZoneNode = ReadonlyMap<RRType, RRSet>;

export interface Zone {
  origin: string;
  serial: number;
  /** Owner name → RRsets. Empty non-terminals (ancestors of data) are present with none. */
  nodes: ReadonlyMap<string, ZoneNode>;
  soa: SoaData;
  /** One line per conflict or dropped record, for logs. */
  conflicts: string[];
}

export interface ZoneDef {
  origin: string;
  nameServer: string;
  /** The Domain objects (namespace/name) behind it; empty for the built-in zone. */
  domains: string[];
}

/** Zones keyed by origin. */
export type ZoneSet = ReadonlyMap<string, Zone>;

/** A flat record, for exporters and zone files. */
export interface ZoneRecord {
  name: string;
  ttl: number;
  rrset: RRSet;
}

// Negative answers are cached for SOA minimum (RFC 2308); records here change with cluster
// health, so keep that short.
export const SOA_TIMERS = { refresh: 3600, retry: 600, expire: 86400, minimum: 30 } as const;
export const SOA_TTL = 30;
export const NS_TTL = 300;
const MAX_TTL = 2 ** 31 - 1;
/** Type order for answers, exports and minimal ANY. */
export const TYPE_ORDER: readonly RRType[] = ['SOA', 'NS', 'A', 'AAAA', 'CNAME', 'MX', 'SRV', 'TXT', 'PTR'];

function objKey(o: { metadata: { namespace?: string; name?: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/** The zones Domain objects ask for, plus clusterset.local; invalid domains are reported. */
export function zoneDefs(domains: readonly Domain[]): { defs: ZoneDef[]; problems: string[] } {
  const byOrigin = new Map<string, ZoneDef>();
  const problems: string[] = [];
  for (const d of [...domains].sort((a, b) => objKey(a).localeCompare(objKey(b)))) {
    const origin = typeof d.domain === 'string' ? normalizeName(d.domain) : undefined;
    if (!origin || origin.startsWith('*')) {
      problems.push(`Domain ${objKey(d)}: invalid domain ${JSON.stringify(d.domain)}`);
      continue;
    }
    const existing = byOrigin.get(origin);
    if (existing) {
      existing.domains.push(objKey(d));
      continue;
    }
    const ns = typeof d.nameServer === 'string' ? normalizeName(d.nameServer) : undefined;
    if (d.nameServer !== undefined && !ns)
      problems.push(`Domain ${objKey(d)}: invalid nameServer ${JSON.stringify(d.nameServer)}`);
    byOrigin.set(origin, { origin, nameServer: ns ?? `ns1.${origin}`, domains: [objKey(d)] });
  }
  if (!byOrigin.has(CLUSTERSET_ZONE))
    byOrigin.set(CLUSTERSET_ZONE, {
      origin: CLUSTERSET_ZONE,
      nameServer: `ns.dns.${CLUSTERSET_ZONE}`,
      domains: [],
    });
  return { defs: [...byOrigin.values()].sort((a, b) => a.origin.localeCompare(b.origin)), problems };
}

/** The origin of the most specific zone holding `name` (normalized), if any. */
export function zoneOf(
  name: string,
  origins: ReadonlySet<string> | ReadonlyMap<string, unknown>,
): string | undefined {
  for (let n: string | undefined = name; n !== undefined; n = parentName(n)) if (origins.has(n)) return n;
  return undefined;
}

/** The zone serving `name` (normalized), if any. */
export function findZone(zones: ZoneSet, name: string): Zone | undefined {
  const origin = zoneOf(name, zones);
  return origin === undefined ? undefined : zones.get(origin);
}

/** The origins a DNSEndpoint has records in (to know which zones to rebuild when it changes). */
export function endpointOrigins(ep: DNSEndpoint, origins: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const e of ep.spec?.endpoints ?? []) {
    const name = typeof e.dnsName === 'string' ? normalizeName(e.dnsName) : undefined;
    const origin = name && zoneOf(name, origins);
    if (origin) out.add(origin);
  }
  return out;
}

/** RFC 1982 serial arithmetic: the next serial after `prev`, at least `candidate` when that is ahead. */
export function nextSerial(prev: number | undefined, candidate: number): number {
  const c = candidate >>> 0;
  if (prev === undefined) return c;
  const diff = (c - prev) >>> 0;
  return diff !== 0 && diff < 2 ** 31 ? c : (prev + 1) >>> 0;
}

type Parsed =
  | { type: 'A' | 'AAAA' | 'CNAME' | 'PTR'; data: string }
  | { type: 'SRV'; data: SrvData }
  | { type: 'MX'; data: MxData }
  | { type: 'TXT'; data: string[] };

function u16(s: string): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** Splits TXT text into character-strings of at most 255 bytes (UTF-8 code points kept whole). */
export function txtStrings(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let curBytes = 0;
  for (const ch of text) {
    const b = Buffer.byteLength(ch);
    if (curBytes + b > 255) {
      out.push(cur);
      cur = '';
      curBytes = 0;
    }
    cur += ch;
    curBytes += b;
  }
  out.push(cur);
  return out;
}

/** One target of an external-dns endpoint, parsed for its record type. */
export function parseTarget(type: string, target: string): Parsed | undefined {
  const t = target.trim();
  switch (type) {
    case 'A':
      return isIPv4(t) ? { type, data: t } : undefined;
    case 'AAAA':
      // Compressed, lower-case form, so the same address written two ways merges.
      return isIPv6(t) ? { type, data: canonicalIPv6(t) } : undefined;
    case 'CNAME':
    case 'PTR': {
      const n = normalizeName(t);
      return n && !n.startsWith('*') ? { type, data: n } : undefined;
    }
    case 'SRV': {
      // external-dns: "priority weight port target"
      const f = t.split(/\s+/);
      if (f.length !== 4) return undefined;
      const [priority, weight, port] = f.slice(0, 3).map(u16);
      const tgt = f[3] === '.' ? '.' : normalizeName(f[3]);
      if (priority === undefined || weight === undefined || port === undefined || !tgt) return undefined;
      return { type, data: { priority, weight, port, target: tgt } };
    }
    case 'MX': {
      const f = t.split(/\s+/);
      if (f.length !== 2) return undefined;
      const preference = u16(f[0]);
      const exchange = normalizeName(f[1]);
      if (preference === undefined || !exchange) return undefined;
      return { type, data: { preference, exchange } };
    }
    case 'TXT':
      // Targets are taken verbatim (not trimmed): TXT content is data.
      return { type, data: txtStrings(target) };
    default:
      return undefined;
  }
}

function canonicalIPv6(a: string): string {
  // URL parsing yields the RFC 5952 form without extra dependencies.
  return new URL(`http://[${a}]/`).hostname.slice(1, -1);
}

function dataKey(p: Parsed): string {
  switch (p.type) {
    case 'SRV':
      return `${p.data.priority} ${p.data.weight} ${p.data.port} ${p.data.target}`;
    case 'MX':
      return `${p.data.preference} ${p.data.exchange}`;
    case 'TXT':
      return JSON.stringify(p.data);
    default:
      return p.data;
  }
}

interface Acc {
  ttl: number;
  data: Map<string, Parsed>;
  from: Set<string>;
}

function sortedData<T>(acc: Acc): T[] {
  return [...acc.data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p.data as T);
}

function toRRSet(type: RRType, acc: Acc): RRSet {
  switch (type) {
    case 'SRV':
      return { type, ttl: acc.ttl, data: sortedData<SrvData>(acc) };
    case 'MX':
      return { type, ttl: acc.ttl, data: sortedData<MxData>(acc) };
    case 'TXT':
      return { type, ttl: acc.ttl, data: sortedData<string[]>(acc) };
    case 'SOA':
      throw new Error('SOA is generated, not collected');
    default:
      return { type, ttl: acc.ttl, data: sortedData<string>(acc) };
  }
}

const SUPPORTED = new Set(['A', 'AAAA', 'CNAME', 'PTR', 'SRV', 'MX', 'TXT']);

/**
 * Builds one zone from every DNSEndpoint (those with no names in it contribute nothing).
 * `origins` are all zones served, so a name under a more specific zone is left to it.
 */
export function buildZone(
  def: ZoneDef,
  endpoints: readonly DNSEndpoint[],
  origins: ReadonlySet<string>,
  serial: number,
): Zone {
  const conflicts: string[] = [];
  const acc = new Map<string, Map<RRType, Acc>>();
  const sorted = [...endpoints].sort((a, b) => objKey(a).localeCompare(objKey(b)));
  for (const obj of sorted) {
    const src = objKey(obj);
    const entries = Array.isArray(obj.spec?.endpoints) ? obj.spec.endpoints : [];
    for (const e of entries) {
      if (!e || typeof e.dnsName !== 'string') continue;
      const name = normalizeName(e.dnsName);
      if (!name) {
        if (inZone(e.dnsName.trim().toLowerCase().replace(/\.$/, ''), def.origin))
          conflicts.push(`${src}: invalid name ${JSON.stringify(e.dnsName)} dropped`);
        continue;
      }
      if (zoneOf(name, origins) !== def.origin) continue;
      const type = typeof e.recordType === 'string' ? e.recordType.toUpperCase() : 'A';
      if (!SUPPORTED.has(type)) {
        conflicts.push(`${src}: ${name} ${type} not served (unsupported type)`);
        continue;
      }
      if (name === def.origin && type === 'CNAME') {
        conflicts.push(`${src}: CNAME at the zone apex ${name} dropped`);
        continue;
      }
      const ttl =
        typeof e.recordTTL === 'number' && Number.isInteger(e.recordTTL) && e.recordTTL > 0
          ? Math.min(e.recordTTL, MAX_TTL)
          : DEFAULT_RECORD_TTL;
      for (const target of Array.isArray(e.targets) ? e.targets : []) {
        const p = typeof target === 'string' ? parseTarget(type, target) : undefined;
        if (!p) {
          conflicts.push(`${src}: ${name} ${type} target ${JSON.stringify(target)} dropped (does not parse)`);
          continue;
        }
        let node = acc.get(name);
        if (!node) acc.set(name, (node = new Map()));
        let set = node.get(p.type);
        if (!set) node.set(p.type, (set = { ttl, data: new Map(), from: new Set() }));
        set.ttl = Math.min(set.ttl, ttl);
        set.data.set(dataKey(p), p);
        set.from.add(src);
      }
    }
  }

  const nodes = new Map<string, Map<RRType, RRSet>>();
  const ensure = (name: string): Map<RRType, RRSet> => {
    let node = nodes.get(name);
    if (!node) nodes.set(name, (node = new Map()));
    return node;
  };
  const soa: SoaData = {
    mname: def.nameServer,
    rname: `hostmaster.${def.origin}`,
    serial,
    ...SOA_TIMERS,
  };
  const apex = ensure(def.origin);
  apex.set('SOA', { type: 'SOA', ttl: SOA_TTL, data: [soa] });
  apex.set('NS', { type: 'NS', ttl: NS_TTL, data: [def.nameServer] });

  for (const name of [...acc.keys()].sort()) {
    const types = acc.get(name)!;
    const cname = types.get('CNAME');
    if (cname && types.size > 1) {
      const others = [...types.keys()].filter((t) => t !== 'CNAME').join(',');
      conflicts.push(
        `${name}: CNAME (from ${[...cname.from].join(',')}) dropped: the name also has ${others}`,
      );
      types.delete('CNAME');
    } else if (cname && cname.data.size > 1) {
      const keep = [...cname.data.keys()].sort()[0];
      conflicts.push(
        `${name}: ${cname.data.size} CNAME targets (from ${[...cname.from].join(',')}); kept ${keep}`,
      );
      cname.data = new Map([[keep, cname.data.get(keep)!]]);
    }
    const node = ensure(name);
    for (const t of TYPE_ORDER) {
      const a = types.get(t);
      if (a) node.set(t, toRRSet(t, a));
    }
    // Ancestors up to the apex exist (as empty non-terminals): they answer NODATA, not NXDOMAIN.
    for (let p = parentName(name); p !== undefined && inZone(p, def.origin); p = parentName(p)) ensure(p);
  }
  return { origin: def.origin, serial, nodes, soa, conflicts };
}

/** Every RRset of a zone as flat records, sorted by name then type (apex first). */
export function zoneRecords(zone: Zone): ZoneRecord[] {
  const out: ZoneRecord[] = [];
  const names = [...zone.nodes.keys()].sort((a, b) =>
    a === zone.origin ? -1 : b === zone.origin ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
  for (const name of names) {
    const node = zone.nodes.get(name)!;
    for (const t of TYPE_ORDER) {
      const rrset = node.get(t);
      if (rrset) out.push({ name, ttl: rrset.ttl, rrset });
    }
  }
  return out;
}

/** Every zone at once (a full rebuild, and what tests and benchmarks use). */
export function buildZones(
  domains: readonly Domain[],
  endpoints: readonly DNSEndpoint[],
  serial: number,
): { zones: Map<string, Zone>; problems: string[] } {
  const { defs, problems } = zoneDefs(domains);
  const origins = new Set(defs.map((d) => d.origin));
  const zones = new Map<string, Zone>();
  for (const def of defs) zones.set(def.origin, buildZone(def, endpoints, origins, serial));
  return { zones, problems };
}
