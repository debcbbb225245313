/**
 * Small DNS wire-format helpers the RFC 2136 client needs beyond dns-packet: uncompressed
 * canonical names (TSIG), resource records with the classes and empty RDATA that UPDATE uses
 * (dns-packet knows neither class NONE nor RDATA-less records), and a walker that finds where
 * each record starts in a received message (to split off its TSIG record).
 */
import * as dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';

export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  TSIG: 250,
  ANY: 255,
};
export const CLASS = { IN: 1, NONE: 254, ANY: 255 };

/** A name in uncompressed, lower-case wire form (RFC 4034 §6.2 canonical form). */
export function canonicalName(name: string): Buffer {
  const n = name.replace(/\.$/, '').toLowerCase();
  const parts: Buffer[] = [];
  if (n !== '' && n !== '.')
    for (const label of n.split('.')) {
      const b = Buffer.from(label, 'latin1');
      if (b.length === 0 || b.length > 63) throw new Error(`invalid label in ${name}`);
      parts.push(Buffer.from([b.length]), b);
    }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** A resource record with no RDATA (prerequisites and RRset deletions). */
export function emptyRR(name: string, type: number, klass: number): Buffer {
  return Buffer.concat([canonicalName(name), u16(type), u16(klass), u32(0), u16(0)]);
}

/**
 * A resource record with RDATA, encoded by dns-packet (which does not compress names), then given
 * the class and TTL asked for.
 */
export function dataRR(answer: Answer, klass: number, ttl: number): Buffer {
  const msg = dnsPacket.encode({
    type: 'query',
    id: 0,
    flags: 0,
    answers: [{ ...answer, class: 'IN' } as Answer],
  });
  const rr = Buffer.from(msg.subarray(12));
  const nameLen = canonicalName(answer.name).length;
  rr.writeUInt16BE(klass, nameLen + 2);
  rr.writeUInt32BE(ttl >>> 0, nameLen + 4);
  return rr;
}

/** Offset just past a (possibly compressed) name at `off`. */
export function skipName(buf: Buffer, off: number): number {
  for (let guard = 0; guard < 128; guard++) {
    if (off >= buf.length) throw new Error('name runs past the message');
    const len = buf[off];
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) {
      if (off + 2 > buf.length) throw new Error('name runs past the message');
      return off + 2;
    }
    if (len & 0xc0) throw new Error('unknown label type');
    off += 1 + len;
  }
  throw new Error('name too long');
}

export interface RecordSpan {
  start: number;
  type: number;
  klass: number;
  rdataStart: number;
  end: number;
}

/** Where each record of each section starts and ends (the question section is skipped). */
export function recordSpans(buf: Buffer): {
  answers: RecordSpan[];
  authorities: RecordSpan[];
  additionals: RecordSpan[];
} {
  if (buf.length < 12) throw new Error('message shorter than a header');
  let off = 12;
  for (let i = buf.readUInt16BE(4); i > 0; i--) off = skipName(buf, off) + 4;
  const section = (count: number): RecordSpan[] => {
    const out: RecordSpan[] = [];
    for (let i = 0; i < count; i++) {
      const start = off;
      off = skipName(buf, off);
      if (off + 10 > buf.length) throw new Error('record runs past the message');
      const type = buf.readUInt16BE(off);
      const klass = buf.readUInt16BE(off + 2);
      const rdlen = buf.readUInt16BE(off + 8);
      const rdataStart = off + 10;
      off = rdataStart + rdlen;
      if (off > buf.length) throw new Error('record data runs past the message');
      out.push({ start, type, klass, rdataStart, end: off });
    }
    return out;
  };
  const answers = section(buf.readUInt16BE(6));
  const authorities = section(buf.readUInt16BE(8));
  const additionals = section(buf.readUInt16BE(10));
  return { answers, authorities, additionals };
}
