/**
 * RFC 2136 UPDATE, the pure part: the RRsets we want on the remote zone, what to change given
 * the RRsets we own there, and the messages that change them.
 *
 * Ownership: we only ever touch records we created (recorded in a state file by the caller). An
 * RRset we do not own yet is claimed with prerequisites (RFC 2136 §2.4) that fail if anything
 * is there already (that RRset, or a CNAME, or for a CNAME anything at the name), so a record
 * somebody else manages is never overwritten. A change to an owned RRset deletes exactly the
 * records we added (RFC 2136 §2.5.4, class NONE with RDATA) and adds the new ones: never the
 * whole RRset (class ANY, as external-dns does), which would also delete any record someone
 * else added to that name and type since we claimed it.
 */
import type { Answer } from 'dns-packet';
import { inZone } from '../names.js';
import { zoneRecords, type RRSet, type ZoneSet } from '../zone.js';
import { CLASS, TYPE, dataRR, emptyRR } from './wire.js';

export type UpdType = 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'SRV' | 'MX' | 'TXT';
const EXPORTED = new Set<string>(['A', 'AAAA', 'CNAME', 'PTR', 'SRV', 'MX', 'TXT']);

/** An RRset in a comparable form: RDATA as presentation-like strings, sorted. */
export interface RemoteRRset {
  name: string;
  type: UpdType;
  ttl: number;
  rdata: string[];
}

export function rrsetKey(r: { name: string; type: string }): string {
  return `${r.name} ${r.type}`;
}

function rdataOf(rrset: RRSet): string[] {
  switch (rrset.type) {
    case 'SRV':
      return rrset.data.map((d) => `${d.priority} ${d.weight} ${d.port} ${d.target}`);
    case 'MX':
      return rrset.data.map((d) => `${d.preference} ${d.exchange}`);
    case 'TXT':
      return rrset.data.map((d) => JSON.stringify(d));
    case 'SOA':
      return [];
    default:
      return [...rrset.data];
  }
}

/** Every RRset of our zones under `remoteZone` (its SOA and NS stay the remote server's). */
export function desiredRRsets(zones: ZoneSet, remoteZone: string): Map<string, RemoteRRset> {
  const out = new Map<string, RemoteRRset>();
  for (const zone of zones.values()) {
    for (const { name, ttl, rrset } of zoneRecords(zone)) {
      if (!EXPORTED.has(rrset.type) || !inZone(name, remoteZone)) continue;
      const r: RemoteRRset = { name, type: rrset.type as UpdType, ttl, rdata: rdataOf(rrset).sort() };
      out.set(rrsetKey(r), r);
    }
  }
  return out;
}

export function sameRRset(a: RemoteRRset, b: RemoteRRset): boolean {
  return a.ttl === b.ttl && a.rdata.length === b.rdata.length && a.rdata.every((d, i) => d === b.rdata[i]);
}

export interface Replacement {
  /** What we own there now (the records we added). */
  from: RemoteRRset;
  /** What we want there. */
  to: RemoteRRset;
}

export interface UpdatePlan {
  /** Wanted, not owned: created only if nothing is there. */
  claim: RemoteRRset[];
  /** Owned and different: our records replaced. */
  replace: Replacement[];
  /** Owned and no longer wanted: deleted. */
  remove: RemoteRRset[];
}

export function planUpdates(
  desired: ReadonlyMap<string, RemoteRRset>,
  owned: ReadonlyMap<string, RemoteRRset>,
): UpdatePlan {
  const plan: UpdatePlan = { claim: [], replace: [], remove: [] };
  for (const [key, want] of desired) {
    const have = owned.get(key);
    if (!have) plan.claim.push(want);
    else if (!sameRRset(have, want)) plan.replace.push({ from: have, to: want });
  }
  for (const [key, have] of owned) if (!desired.has(key)) plan.remove.push(have);
  return plan;
}

/** One RDATA string back to a dns-packet record. */
export function toAnswer(name: string, type: UpdType, ttl: number, rdata: string): Answer {
  switch (type) {
    case 'SRV': {
      const [priority, weight, port, target] = rdata.split(' ');
      return {
        name,
        type,
        ttl,
        data: { priority: Number(priority), weight: Number(weight), port: Number(port), target },
      };
    }
    case 'MX': {
      const [preference, exchange] = rdata.split(' ');
      return { name, type, ttl, data: { preference: Number(preference), exchange } };
    }
    case 'TXT':
      return { name, type, ttl, data: JSON.parse(rdata) as string[] };
    default:
      return { name, type, ttl, data: rdata };
  }
}

/** RDATA strings of records a server answered, in the form RemoteRRset uses. */
export function rdataFromAnswers(
  answers: Answer[],
  name: string,
  type: UpdType,
): { ttl: number; rdata: string[] } {
  const rdata: string[] = [];
  let ttl = 0;
  for (const a of answers) {
    if (a.type !== type || a.name.toLowerCase() !== name) continue;
    ttl = a.ttl ?? 0;
    switch (a.type) {
      case 'SRV':
        rdata.push(
          `${a.data.priority ?? 0} ${a.data.weight ?? 0} ${a.data.port} ${a.data.target.toLowerCase()}`,
        );
        break;
      case 'MX':
        rdata.push(`${a.data.preference ?? 0} ${a.data.exchange.toLowerCase()}`);
        break;
      case 'TXT': {
        const parts = Array.isArray(a.data) ? a.data : [a.data];
        rdata.push(JSON.stringify(parts.map((p) => p.toString())));
        break;
      }
      case 'A':
      case 'AAAA':
        rdata.push(a.data);
        break;
      case 'CNAME':
      case 'PTR':
        rdata.push(a.data.toLowerCase());
        break;
      default:
        break;
    }
  }
  return { ttl, rdata: rdata.sort() };
}

function header(id: number, prereqs: number, updates: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(5 << 11, 2); // opcode UPDATE
  h.writeUInt16BE(1, 4); // ZOCOUNT
  h.writeUInt16BE(prereqs, 6);
  h.writeUInt16BE(updates, 8);
  return h;
}

/** The zone section is a question: name, type SOA, class IN. */
function zoneSection(zone: string): Buffer {
  return emptyRR(zone, TYPE.SOA, CLASS.IN).subarray(0, -6);
}

function message(id: number, zone: string, prereqs: Buffer[], updates: Buffer[]): Buffer {
  return Buffer.concat([
    header(id, prereqs.length, updates.length),
    zoneSection(zone),
    ...prereqs,
    ...updates,
  ]);
}

function adds(r: RemoteRRset): Buffer[] {
  return r.rdata.map((d) => dataRR(toAnswer(r.name, r.type, r.ttl, d), CLASS.IN, r.ttl));
}

/** Creates an RRset only if nothing conflicting is at its name. */
export function claimMessage(id: number, zone: string, r: RemoteRRset): Buffer {
  const prereqs = [emptyRR(r.name, TYPE[r.type], CLASS.NONE)];
  // A CNAME needs the name to itself; anything else must not meet a CNAME (a server would
  // silently ignore the addition, RFC 2136 §3.4.2.2).
  prereqs.push(
    r.type === 'CNAME' ? emptyRR(r.name, TYPE.ANY, CLASS.NONE) : emptyRR(r.name, TYPE.CNAME, CLASS.NONE),
  );
  return message(id, zone, prereqs, adds(r));
}

/** Deletes exactly these records (class NONE, TTL 0, with their RDATA), nothing else at the name. */
function deletes(r: RemoteRRset): Buffer[] {
  return r.rdata.map((d) => dataRR(toAnswer(r.name, r.type, 0, d), CLASS.NONE, 0));
}

/**
 * Replaces and removes our records: our old records are deleted one by one (deletions first, so
 * a record kept with a new TTL is deleted and added again), then the new ones added. Records of
 * the same name and type that we did not add stay.
 */
export function changeMessage(
  id: number,
  zone: string,
  replace: Replacement[],
  remove: RemoteRRset[],
): Buffer {
  const updates: Buffer[] = [];
  for (const r of [...remove, ...replace.map((x) => x.from)]) updates.push(...deletes(r));
  for (const { to } of replace) updates.push(...adds(to));
  return message(id, zone, [], updates);
}

/** A plain query (to check what a server holds before adopting an RRset). */
export function queryMessage(id: number, name: string, type: UpdType): Buffer {
  const q = emptyRR(name, TYPE[type], CLASS.IN).subarray(0, -6);
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(1, 4);
  return Buffer.concat([h, q]);
}
