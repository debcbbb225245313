/**
 * One DNS query in wire format → the authoritative response in wire format (pure).
 *
 * The header and the question are read here rather than by dns-packet because the question is
 * echoed byte for byte (its case preserved: RFC 1035 §7.3 resolvers match on it, some with 0x20
 * randomisation) and its type and class are needed as numbers; dns-packet decodes the rest (the
 * OPT record) and encodes the response.
 *
 * Policy, in the order it is applied:
 *  - shorter than a header: dropped (there is no ID to answer to);
 *  - QR set: FORMERR, except that a packet that itself carries an error rcode is dropped, so two
 *    servers answering each other's responses cannot ping-pong forever;
 *  - opcode other than QUERY: NOTIMP; question count other than 1, an undecodable packet, several
 *    OPT records, an OPT not owned by the root, a meta type asked for: FORMERR;
 *  - EDNS version above 0: BADVERS;
 *  - class other than IN or ANY, zone transfers, names outside every served zone: REFUSED;
 *  - otherwise an authoritative answer (AA): the RRset, a CNAME chain followed inside the zone
 *    (loops cut at the first repeat), RFC 4592 wildcards, glue-like A/AAAA in the additional
 *    section for SRV, MX and NS targets in the zone; NXDOMAIN or NODATA with the SOA in the
 *    authority section at TTL min(SOA TTL, SOA minimum) (RFC 2308); ANY answers one RRset over
 *    UDP (RFC 8482) and all of them over TCP.
 *  - UDP responses fit the client's EDNS size, capped at ours (1232, the 2020 DNS flag day value),
 *    or 512 without EDNS: additional records go first; if the answer still does not fit, TC is set
 *    and the sections are emptied, so the client retries over TCP. TCP answers are whole.
 */
import * as dnsPacket from 'dns-packet';
import type { Answer, OptAnswer } from 'dns-packet';
import { inZone, parentName } from './names.js';
import {
  SOA_TTL,
  TYPE_ORDER,
  findZone,
  zoneOf,
  type RRSet,
  type RRType,
  type Zone,
  type ZoneSet,
} from './zone.js';

export type Transport = 'udp' | 'tcp';
export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED' | 'BADVERS';

export const OUR_UDP_SIZE = 1232;
const MIN_UDP_SIZE = 512;
const MAX_CNAME_CHAIN = 16;

const RCODES: Record<Rcode, number> = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
};

const TYPE_CODES: Record<RRType, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
};
const BY_CODE = new Map<number, RRType>(Object.entries(TYPE_CODES).map(([t, c]) => [c, t as RRType]));
const QTYPE_ANY = 255;
const QTYPE_AXFR = 252;
const QTYPE_IXFR = 251;
/** OPT, TSIG, TKEY: meta types that never appear in a question (RFC 6895 §3.1). */
const META_QTYPES = new Set([41, 249, 250]);
const CLASS_IN = 1;
const CLASS_ANY = 255;

const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_CD = 0x0010;
const EDNS_DO = 0x8000;

export interface Response {
  bytes: Buffer;
  rcode: Rcode;
  truncated: boolean;
}

export interface Question {
  /** As received (case preserved), labels joined with dots; `.` for the root. */
  name: string;
  /** Lower-case, for lookups; undefined when a label holds a dot or a non-printable byte (matches nothing). */
  lower: string | undefined;
  /** The lower-case labels after the last such label: enough to tell which zone the name is in. */
  suffix: string;
  qtype: number;
  qclass: number;
  /** Offset just past the question. */
  end: number;
}

/** Reads the one question at offset 12, or undefined when it is cut short or uses compression. */
export function parseQuestion(buf: Buffer): Question | undefined {
  let off = 12;
  const labels: string[] = [];
  let lastOdd = -1;
  let wire = 0;
  for (;;) {
    if (off >= buf.length) return undefined;
    const len = buf[off++];
    if (len === 0) break;
    // Pointers and extended label types have nothing to point at in a query's first name.
    if (len & 0xc0) return undefined;
    if (off + len > buf.length) return undefined;
    wire += len + 1;
    if (wire > 254) return undefined;
    const label = buf.toString('latin1', off, off + len);
    if (!/^[\x21-\x2d\x2f-\x7e]+$/.test(label)) lastOdd = labels.length;
    labels.push(label);
    off += len;
  }
  if (off + 4 > buf.length) return undefined;
  const name = labels.length === 0 ? '.' : labels.join('.');
  return {
    name,
    lower: lastOdd < 0 ? name.toLowerCase() : undefined,
    suffix: labels
      .slice(lastOdd + 1)
      .join('.')
      .toLowerCase(),
    qtype: buf.readUInt16BE(off),
    qclass: buf.readUInt16BE(off + 2),
    end: off + 4,
  };
}

interface Reply {
  rcode: Rcode;
  aa: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

const empty = (rcode: Rcode, aa = false): Reply => ({
  rcode,
  aa,
  answers: [],
  authorities: [],
  additionals: [],
});

function toAnswers(owner: string, rrset: RRSet): Answer[] {
  const base = { name: owner, ttl: rrset.ttl, class: 'IN' as const };
  switch (rrset.type) {
    case 'SRV':
      return rrset.data.map((d) => ({ ...base, type: 'SRV' as const, data: { ...d } }));
    case 'MX':
      return rrset.data.map((d) => ({ ...base, type: 'MX' as const, data: { ...d } }));
    case 'TXT':
      // dns-packet turns the strings of the array it is given into Buffers: hand it a copy.
      return rrset.data.map((d) => ({ ...base, type: 'TXT' as const, data: [...d] }));
    case 'SOA':
      return rrset.data.map((d) => ({ ...base, type: 'SOA' as const, data: { ...d } }));
    default:
      return rrset.data.map((d) => ({ ...base, type: rrset.type, data: d }));
  }
}

function negativeSoa(zone: Zone): Answer {
  return {
    name: zone.origin,
    type: 'SOA',
    class: 'IN',
    ttl: Math.min(SOA_TTL, zone.soa.minimum),
    data: { ...zone.soa },
  };
}

/** The RFC 4592 source of synthesis for a name that does not exist, if there is one. */
function wildcardNode(zone: Zone, name: string): ReadonlyMap<RRType, RRSet> | undefined {
  for (let p = parentName(name); p !== undefined && inZone(p, zone.origin); p = parentName(p)) {
    if (zone.nodes.has(p)) return zone.nodes.get(`*.${p}`);
  }
  return undefined;
}

/** A and AAAA of in-zone targets, for the additional section. */
function addressesFor(zone: Zone, targets: string[]): Answer[] {
  const out: Answer[] = [];
  for (const t of new Set(targets)) {
    const node = zone.nodes.get(t);
    if (!node) continue;
    for (const type of ['A', 'AAAA'] as const) {
      const rrset = node.get(type);
      if (rrset) out.push(...toAnswers(t, rrset));
    }
  }
  return out;
}

function additionalFor(zone: Zone, rrset: RRSet): Answer[] {
  switch (rrset.type) {
    case 'SRV':
      return addressesFor(
        zone,
        rrset.data.map((d) => d.target),
      );
    case 'MX':
      return addressesFor(
        zone,
        rrset.data.map((d) => d.exchange),
      );
    case 'NS':
      return addressesFor(zone, rrset.data);
    default:
      return [];
  }
}

/** The authoritative answer for a name inside `zone`. */
export function resolveInZone(
  zones: ZoneSet,
  zone: Zone,
  q: { name: string; lower: string | undefined; qtype: number },
  transport: Transport,
): Reply {
  const reply = empty('NOERROR', true);
  if (q.lower === undefined) {
    // A label with a dot or an unprintable byte: no name we serve looks like that.
    reply.rcode = 'NXDOMAIN';
    reply.authorities.push(negativeSoa(zone));
    return reply;
  }
  const want = BY_CODE.get(q.qtype);
  const seen = new Set<string>();
  let owner = q.lower;
  let ownerOut = q.name;
  for (let hop = 0; ; hop++) {
    const node = zone.nodes.get(owner) ?? wildcardNode(zone, owner);
    if (!node) {
      // RFC 6604: the rcode speaks for the last name of the chain.
      reply.rcode = 'NXDOMAIN';
      reply.authorities.push(negativeSoa(zone));
      return reply;
    }
    if (q.qtype === QTYPE_ANY) {
      const sets = TYPE_ORDER.map((t) => node.get(t)).filter((s): s is RRSet => s !== undefined);
      if (sets.length === 0) break;
      const cname = node.get('CNAME');
      const chosen = transport === 'tcp' ? sets : [cname ?? sets[0]];
      for (const s of chosen) reply.answers.push(...toAnswers(ownerOut, s));
      return reply;
    }
    const direct = want && node.get(want);
    if (direct) {
      reply.answers.push(...toAnswers(ownerOut, direct));
      reply.additionals.push(...additionalFor(zone, direct));
      return reply;
    }
    const cname = want !== 'CNAME' ? node.get('CNAME') : undefined;
    if (!cname || cname.type !== 'CNAME') break;
    reply.answers.push(...toAnswers(ownerOut, cname));
    seen.add(owner);
    const target = cname.data[0];
    // Stop at a loop, a runaway chain, or a target another zone (or nobody) serves.
    if (seen.has(target) || hop + 1 >= MAX_CNAME_CHAIN || zoneOf(target, zones) !== zone.origin) return reply;
    owner = target;
    ownerOut = target;
  }
  // The name exists but has no data of that type: NODATA.
  reply.authorities.push(negativeSoa(zone));
  return reply;
}

interface Edns {
  size: number;
  version: number;
  dnssecOk: boolean;
}

/** The OPT record of a query, or undefined without EDNS; throws FORMERR-worthy errors. */
function readEdns(query: Buffer): Edns | undefined {
  const pkt = dnsPacket.decode(query);
  const opts = (pkt.additionals ?? []).filter((a): a is OptAnswer => a.type === 'OPT');
  if (opts.length > 1) throw new Error('more than one OPT record');
  const opt = opts[0];
  if (!opt) return undefined;
  if (opt.name !== '.') throw new Error('OPT owner is not the root');
  return {
    size: opt.udpPayloadSize,
    version: opt.ednsVersion,
    dnssecOk: (opt.flags & EDNS_DO) !== 0,
  };
}

function optRecord(edns: Edns, extendedRcode = 0): OptAnswer {
  return {
    name: '.',
    type: 'OPT',
    udpPayloadSize: OUR_UDP_SIZE,
    extendedRcode,
    ednsVersion: 0,
    // RFC 3225: the DO bit is copied into the response.
    flags: edns.dnssecOk ? EDNS_DO : 0,
    flag_do: edns.dnssecOk,
    options: [],
  };
}

function encode(
  id: number,
  flags: number,
  question: Buffer | undefined,
  sections: { answers: Answer[]; authorities: Answer[]; additionals: Answer[] },
): Buffer {
  const body = dnsPacket.encode({ type: 'response', id, flags, questions: [], ...sections });
  if (!question) return body;
  // Splice the question in as received.
  const out = Buffer.allocUnsafe(body.length + question.length);
  body.copy(out, 0, 0, 12);
  question.copy(out, 12);
  body.copy(out, 12 + question.length, 12);
  out.writeUInt16BE(1, 4);
  return out;
}

/**
 * Answers one query. Undefined means drop it (too short to carry an ID, or a response carrying an
 * error). Never throws.
 */
export function respond(query: Buffer, zones: ZoneSet, transport: Transport): Response | undefined {
  if (query.length < 12) return undefined;
  const id = query.readUInt16BE(0);
  const qflags = query.readUInt16BE(2);
  const opcode = (qflags >> 11) & 0xf;
  const echoed = qflags & (FLAG_RD | FLAG_CD);
  const bare = (rcode: Rcode, question?: Buffer): Response => ({
    bytes: encode(id, (opcode << 11) | echoed | RCODES[rcode], question, {
      answers: [],
      authorities: [],
      additionals: [],
    }),
    rcode,
    truncated: false,
  });
  if (qflags & 0x8000) return (qflags & 0xf) !== 0 ? undefined : bare('FORMERR');
  const qdcount = query.readUInt16BE(4);
  const q = qdcount === 1 ? parseQuestion(query) : undefined;
  const rawQuestion = q ? query.subarray(12, q.end) : undefined;
  if (opcode !== 0) return bare('NOTIMP', rawQuestion);
  if (!q || !rawQuestion) return bare('FORMERR');
  let edns: Edns | undefined;
  try {
    edns = readEdns(query);
  } catch {
    return bare('FORMERR', rawQuestion);
  }
  if (META_QTYPES.has(q.qtype)) return bare('FORMERR', rawQuestion);

  let reply: Reply;
  if (edns && edns.version > 0) {
    reply = empty('BADVERS');
  } else if (q.qclass !== CLASS_IN && q.qclass !== CLASS_ANY) {
    reply = empty('REFUSED');
  } else if (q.qtype === QTYPE_AXFR || q.qtype === QTYPE_IXFR) {
    reply = empty('REFUSED');
  } else {
    const zone = findZone(zones, q.suffix);
    reply = zone ? resolveInZone(zones, zone, q, transport) : empty('REFUSED');
  }

  const code = RCODES[reply.rcode];
  const flags = (opcode << 11) | echoed | (reply.aa ? FLAG_AA : 0) | (code & 0xf);
  const opt = edns ? [optRecord(edns, code >> 4)] : [];
  const full = {
    answers: reply.answers,
    authorities: reply.authorities,
    additionals: [...reply.additionals, ...opt],
  };
  let bytes = encode(id, flags, rawQuestion, full);
  if (transport === 'tcp') return { bytes, rcode: reply.rcode, truncated: false };
  const limit = edns ? Math.min(Math.max(edns.size, MIN_UDP_SIZE), OUR_UDP_SIZE) : MIN_UDP_SIZE;
  if (bytes.length <= limit) return { bytes, rcode: reply.rcode, truncated: false };
  // Additional data is optional (RFC 2181 §9): drop it before declaring truncation.
  if (reply.additionals.length > 0) {
    bytes = encode(id, flags, rawQuestion, { ...full, additionals: opt });
    if (bytes.length <= limit) return { bytes, rcode: reply.rcode, truncated: false };
  }
  bytes = encode(id, flags | FLAG_TC, rawQuestion, { answers: [], authorities: [], additionals: opt });
  return { bytes, rcode: reply.rcode, truncated: true };
}
