/**
 * The CoreDNS etcd plugin's (SkyDNS) layout, as pure functions: which keys and values our zones
 * become, and what to change in etcd to get there.
 *
 * `a.b.example.com` → `<prefix>/com/example/b/a/<id>` with a msg.Service JSON value
 * (`host` = address or canonical name, `ttl`, and `port`/`priority`/`weight` for SRV, `text` for
 * TXT, `mail` for MX). One key per record, so a name with two addresses has two keys. The id is
 * `<owner>-<hash of the record>`, and the value carries `edgefed_owner` (CoreDNS ignores unknown
 * fields): a key is ours only if its value says so, so keys written by anyone else under the same
 * prefix are never changed or deleted.
 */
import { createHash } from 'node:crypto';
import { reversedLabels } from '../names.js';
import { zoneRecords, type ZoneSet } from '../zone.js';

export const DEFAULT_SKYDNS_PREFIX = '/skydns';
export const OWNER_FIELD = 'edgefed_owner';

export interface SkydnsValue {
  host?: string;
  port?: number;
  priority?: number;
  weight?: number;
  text?: string;
  mail?: boolean;
  ttl: number;
  [OWNER_FIELD]: string;
}

export interface SkydnsPlan {
  /** Keys to create (absent now). */
  create: [key: string, value: string][];
  /** Our keys whose value changes: [key, new value, current value]. */
  update: [key: string, value: string, current: string][];
  /** Our keys no longer wanted: [key, current value]. */
  remove: [key: string, current: string][];
  /** Keys we want but someone else holds: left alone. */
  foreign: string[];
}

function normalizePrefix(prefix: string): string {
  const p = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  return p === '/' ? '' : p;
}

/** The etcd directory of a name: `<prefix>/com/example/b/a`. */
export function skydnsPath(prefix: string, name: string): string {
  return `${normalizePrefix(prefix)}/${reversedLabels(name).join('/')}`;
}

/** The key prefix everything we own lives under (with the trailing slash etcd ranges need). */
export function skydnsRange(prefix: string): string {
  return `${normalizePrefix(prefix)}/`;
}

function record(owner: string, v: Omit<SkydnsValue, typeof OWNER_FIELD>): SkydnsValue {
  return { ...v, [OWNER_FIELD]: owner };
}

/** Every key and JSON value our zones should have under `prefix`. SOA and NS are CoreDNS's own. */
export function skydnsDesired(zones: ZoneSet, prefix: string, owner: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const zone of zones.values()) {
    for (const { name, ttl, rrset } of zoneRecords(zone)) {
      const values: SkydnsValue[] = [];
      switch (rrset.type) {
        case 'A':
        case 'AAAA':
        case 'CNAME':
          for (const host of rrset.data) values.push(record(owner, { host, ttl }));
          break;
        case 'SRV':
          for (const d of rrset.data)
            values.push(
              record(owner, { host: d.target, port: d.port, priority: d.priority, weight: d.weight, ttl }),
            );
          break;
        case 'MX':
          for (const d of rrset.data)
            values.push(record(owner, { host: d.exchange, priority: d.preference, mail: true, ttl }));
          break;
        case 'TXT':
          for (const d of rrset.data) values.push(record(owner, { text: d.join(''), ttl }));
          break;
        default:
          break;
      }
      for (const v of values) {
        const json = JSON.stringify(v);
        const id = createHash('sha256').update(`${rrset.type} ${json}`).digest('hex').slice(0, 16);
        out.set(`${skydnsPath(prefix, name)}/${owner}-${id}`, json);
      }
    }
  }
  return out;
}

/** The owner recorded in a value, if it is JSON carrying one. */
export function ownerOf(value: string): string | undefined {
  try {
    const v: unknown = JSON.parse(value);
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = (v as Record<string, unknown>)[OWNER_FIELD];
      return typeof o === 'string' ? o : undefined;
    }
  } catch {
    // Not JSON: certainly not ours.
  }
  return undefined;
}

/** What to do to turn `current` (everything under the prefix) into `desired`, touching only our keys. */
export function planSkydns(
  desired: ReadonlyMap<string, string>,
  current: Readonly<Record<string, string>>,
  owner: string,
): SkydnsPlan {
  const plan: SkydnsPlan = { create: [], update: [], remove: [], foreign: [] };
  for (const [key, value] of desired) {
    const cur = Object.prototype.hasOwnProperty.call(current, key) ? current[key] : undefined;
    if (cur === undefined) plan.create.push([key, value]);
    else if (ownerOf(cur) !== owner) plan.foreign.push(key);
    else if (cur !== value) plan.update.push([key, value, cur]);
  }
  for (const [key, cur] of Object.entries(current)) {
    if (!desired.has(key) && ownerOf(cur) === owner) plan.remove.push([key, cur]);
  }
  return plan;
}
