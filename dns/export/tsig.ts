/**
 * TSIG (RFC 8945) with HMAC-SHA256: signing requests and verifying the server's signed responses.
 * dns-packet has no TSIG support; the MAC covers
 *   [request MAC size + request MAC, for responses] + the message as it is without the TSIG
 *   record (original ID, ARCOUNT not counting it) + the TSIG variables (key name and algorithm in
 *   canonical form, class ANY, TTL 0, time signed, fudge, error, other data).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CLASS, TYPE, canonicalName, recordSpans, skipName } from './wire.js';

export const HMAC_SHA256 = 'hmac-sha256';
export const DEFAULT_FUDGE = 300;

export interface TsigKey {
  name: string;
  /** The shared secret (decoded from its base64 text). */
  secret: Buffer;
}

/** TSIG error codes (RFC 8945 §3), by number. */
export const TSIG_ERRORS: Record<number, string> = {
  0: 'NOERROR',
  16: 'BADSIG',
  17: 'BADKEY',
  18: 'BADTIME',
  22: 'BADTRUNC',
};

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(Math.floor(n / 2 ** 32) & 0xffff, 0);
  b.writeUInt32BE(n >>> 0, 2);
  return b;
}

function variables(key: TsigKey, time: number, fudge: number, error: number, other: Buffer): Buffer {
  return Buffer.concat([
    canonicalName(key.name),
    u16(CLASS.ANY),
    Buffer.alloc(4), // TTL 0
    canonicalName(HMAC_SHA256),
    u48(time),
    u16(fudge),
    u16(error),
    u16(other.length),
    other,
  ]);
}

function mac(key: TsigKey, parts: Buffer[]): Buffer {
  const h = createHmac('sha256', key.secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

function tsigRecord(key: TsigKey, time: number, fudge: number, macBytes: Buffer, originalId: number): Buffer {
  const rdata = Buffer.concat([
    canonicalName(HMAC_SHA256),
    u48(time),
    u16(fudge),
    u16(macBytes.length),
    macBytes,
    u16(originalId),
    u16(0), // error
    u16(0), // other len
  ]);
  return Buffer.concat([
    canonicalName(key.name),
    u16(TYPE.TSIG),
    u16(CLASS.ANY),
    Buffer.alloc(4),
    u16(rdata.length),
    rdata,
  ]);
}

/** Appends a TSIG record to a request. Returns the signed message and its MAC (to verify the answer). */
export function signRequest(
  msg: Buffer,
  key: TsigKey,
  timeSeconds = Math.floor(Date.now() / 1000),
  fudge = DEFAULT_FUDGE,
): { signed: Buffer; mac: Buffer } {
  const m = mac(key, [msg, variables(key, timeSeconds, fudge, 0, Buffer.alloc(0))]);
  const signed = Buffer.concat([msg, tsigRecord(key, timeSeconds, fudge, m, msg.readUInt16BE(0))]);
  signed.writeUInt16BE(msg.readUInt16BE(10) + 1, 10);
  return { signed, mac: m };
}

export interface TsigCheck {
  /** The response carried a TSIG record. */
  present: boolean;
  /** Its MAC verified with our key against our request's MAC, within the time window. */
  valid: boolean;
  /** The TSIG error field (BADSIG, BADKEY, BADTIME when the server rejected our signature). */
  error: string;
  /** Why it did not verify. */
  problem?: string;
}

/** Checks the TSIG record of a response to a request we signed with `requestMac`. */
export function verifyResponse(
  response: Buffer,
  key: TsigKey,
  requestMac: Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
): TsigCheck {
  let spans;
  try {
    spans = recordSpans(response);
  } catch (e) {
    return {
      present: false,
      valid: false,
      error: 'NOERROR',
      problem: `unparsable response: ${(e as Error).message}`,
    };
  }
  const last = spans.additionals[spans.additionals.length - 1];
  if (!last || last.type !== TYPE.TSIG)
    return { present: false, valid: false, error: 'NOERROR', problem: 'the response is not signed' };
  try {
    let off = skipName(response, last.rdataStart); // algorithm name
    const algorithm = response.subarray(last.rdataStart, off);
    const timeHi = response.readUInt16BE(off);
    const time = timeHi * 2 ** 32 + response.readUInt32BE(off + 2);
    const fudge = response.readUInt16BE(off + 6);
    const macLen = response.readUInt16BE(off + 8);
    off += 10;
    const theirMac = response.subarray(off, off + macLen);
    off += macLen;
    const originalId = response.readUInt16BE(off);
    const errorCode = response.readUInt16BE(off + 2);
    const otherLen = response.readUInt16BE(off + 4);
    const other = response.subarray(off + 6, off + 6 + otherLen);
    const error = TSIG_ERRORS[errorCode] ?? `TSIG error ${errorCode}`;
    if (errorCode !== 0 && macLen === 0)
      return { present: true, valid: false, error, problem: `the server answered ${error}` };
    if (!algorithm.equals(canonicalName(HMAC_SHA256)))
      return { present: true, valid: false, error, problem: 'unexpected algorithm' };
    const unsigned = Buffer.from(response.subarray(0, last.start));
    unsigned.writeUInt16BE(originalId, 0);
    unsigned.writeUInt16BE(response.readUInt16BE(10) - 1, 10);
    const want = mac(key, [
      u16(requestMac.length),
      requestMac,
      unsigned,
      variables(key, time, fudge, errorCode, other),
    ]);
    if (want.length !== theirMac.length || !timingSafeEqual(want, theirMac))
      return { present: true, valid: false, error, problem: 'the response MAC does not verify' };
    if (Math.abs(nowSeconds - time) > fudge)
      return { present: true, valid: false, error, problem: 'the response is outside the time window' };
    return { present: true, valid: true, error };
  } catch (e) {
    return {
      present: true,
      valid: false,
      error: 'NOERROR',
      problem: `malformed TSIG record: ${(e as Error).message}`,
    };
  }
}
