/**
 * Exports the zones to an existing authoritative server with RFC 2136 dynamic UPDATE signed
 * with TSIG (HMAC-SHA256), the way external-dns's rfc2136 provider does it: per changed name and
 * type, delete the RRset and add the new records; RRsets that disappear here are deleted there.
 *
 * Only our own records are touched: the ones we created are listed in a state file (in the hub's
 * data dir), a new RRset is created with prerequisites that fail when the server already has one,
 * and changes delete exactly our records, never a whole RRset (see update.ts). A claim is written
 * to the state file before it is sent: if its answer is lost (timeout, crash) and the server later
 * says the RRset exists, it is adopted only when it is exactly what that claim sent — the server
 * holding it then proves nothing about who wrote it otherwise, so any other existing RRset, even
 * one identical to ours, is reported and left alone.
 *
 * Updates go over TCP (no size limit, one connection per reconcile). Every response must carry a
 * TSIG signature that verifies against our request; a NOTAUTH with a TSIG error (wrong secret or
 * key name) is logged as such, with the key name and never the secret.
 */
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect, type Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { Backoff } from '../../client/backoff.js';
import { silentLogger, type RuntimeLogger } from '../../client/log.js';
import type { ZoneSet } from '../zone.js';
import { signRequest, verifyResponse, type TsigKey } from './tsig.js';
import {
  changeMessage,
  claimMessage,
  desiredRRsets,
  planUpdates,
  queryMessage,
  rdataFromAnswers,
  rrsetKey,
  sameRRset,
  type RemoteRRset,
} from './update.js';

export interface Rfc2136Options {
  host: string;
  port: number;
  zone: string;
  key: TsigKey;
  stateFile: string;
  log?: RuntimeLogger;
  resyncMs?: number;
  debounceMs?: number;
  timeoutMs?: number;
}

export interface Rfc2136Stats {
  reconciles: number;
  failures: number;
  messages: number;
  conflicts: number;
  owned: number;
  lastError?: string;
}

const RCODES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];
const rcodeName = (n: number): string => RCODES[n] ?? `RCODE${n}`;
/** RRsets per change message: well under 64 KiB for ordinary records. */
const CHANGE_BATCH = 50;

/** Sequential request/response over one TCP connection, with 2-byte length framing. */
class TcpExchange {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: ((msg: Buffer) => void) | undefined;
  private failed: Error | undefined;
  private fail: ((e: Error) => void) | undefined;

  private constructor(
    private readonly sock: Socket,
    private readonly timeoutMs: number,
  ) {
    sock.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      if (this.buf.length >= 2 && this.buf.length >= 2 + this.buf.readUInt16BE(0)) {
        const len = this.buf.readUInt16BE(0);
        const msg = this.buf.subarray(2, 2 + len);
        this.buf = this.buf.subarray(2 + len);
        this.waiting?.(msg);
      }
    });
    const onEnd = (e?: Error): void => {
      this.failed = e ?? new Error('connection closed by the server');
      this.fail?.(this.failed);
    };
    sock.on('error', onEnd);
    sock.on('close', () => onEnd());
  }

  static open(host: string, port: number, timeoutMs: number): Promise<TcpExchange> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host, port });
      const t = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      sock.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
      sock.once('connect', () => {
        clearTimeout(t);
        sock.removeAllListeners('error');
        resolve(new TcpExchange(sock, timeoutMs));
      });
    });
  }

  send(msg: Buffer): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no answer in ${this.timeoutMs} ms`)), this.timeoutMs);
      this.waiting = (m) => {
        clearTimeout(t);
        this.waiting = undefined;
        resolve(m);
      };
      this.fail = (e) => {
        clearTimeout(t);
        reject(e);
      };
      const framed = Buffer.alloc(msg.length + 2);
      framed.writeUInt16BE(msg.length);
      msg.copy(framed, 2);
      this.sock.write(framed);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

interface StateFile {
  version: 1;
  server: string;
  zone: string;
  rrsets: RemoteRRset[];
  /** Claims sent whose answer we have not seen: they may be on the server. */
  claiming?: RemoteRRset[];
}

export class Rfc2136Exporter {
  readonly stats: Rfc2136Stats = { reconciles: 0, failures: 0, messages: 0, conflicts: 0, owned: 0 };
  private readonly log: RuntimeLogger;
  private readonly owned = new Map<string, RemoteRRset>();
  private readonly claiming = new Map<string, RemoteRRset>();
  private readonly backoff = new Backoff(500, 30_000);
  private readonly server: string;
  private zones: ZoneSet | undefined;
  private timer?: NodeJS.Timeout;
  private resync?: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private reportedConflicts = new Set<string>();

  constructor(private readonly opts: Rfc2136Options) {
    this.log = opts.log ?? silentLogger;
    this.server = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
    this.loadState();
  }

  start(): void {
    this.resync = setInterval(() => this.kick(0), this.opts.resyncMs ?? 60_000);
    this.resync.unref();
  }

  update(zones: ZoneSet): void {
    this.zones = zones;
    this.kick(this.opts.debounceMs ?? 100);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.resync) clearInterval(this.resync);
    await this.running;
  }

  private kick(delayMs: number): void {
    if (this.stopped || !this.zones) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.reconcile().finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick(0);
        }
      });
    }, delayMs);
  }

  private loadState(): void {
    if (!existsSync(this.opts.stateFile)) return;
    try {
      const s = JSON.parse(readFileSync(this.opts.stateFile, 'utf8')) as StateFile;
      if (s.version !== 1 || s.zone !== this.opts.zone || s.server !== this.server) return;
      for (const r of s.rrsets) this.owned.set(rrsetKey(r), r);
      for (const r of s.claiming ?? []) this.claiming.set(rrsetKey(r), r);
      this.stats.owned = this.owned.size;
    } catch (e) {
      this.log.warn(
        { err: (e as Error).message, file: this.opts.stateFile },
        'dns rfc2136: unreadable state file ignored',
      );
    }
  }

  private saveState(): void {
    const s: StateFile = {
      version: 1,
      server: this.server,
      zone: this.opts.zone,
      rrsets: [...this.owned.values()],
      claiming: [...this.claiming.values()],
    };
    mkdirSync(dirname(this.opts.stateFile), { recursive: true });
    const tmp = `${this.opts.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(s, null, 1), { mode: 0o600 });
    renameSync(tmp, this.opts.stateFile);
    this.stats.owned = this.owned.size;
  }

  /** Sends one signed message; returns the rcode. Throws on a TSIG rejection or a bad signature. */
  private async exchange(conn: TcpExchange, msg: Buffer): Promise<string> {
    const { signed, mac } = signRequest(msg, this.opts.key);
    const res = await conn.send(signed);
    this.stats.messages++;
    if (res.length < 12 || res.readUInt16BE(0) !== msg.readUInt16BE(0))
      throw new Error('answer does not match the request');
    const rcode = rcodeName(res[3] & 0xf);
    const tsig = verifyResponse(res, this.opts.key, mac);
    if (tsig.error !== 'NOERROR' || (rcode === 'NOTAUTH' && !tsig.valid))
      throw new Error(
        `update refused by ${this.server}: ${rcode}, TSIG error ${tsig.error}: the server does not accept ` +
          `TSIG key "${this.opts.key.name}" (wrong key name or secret?)`,
      );
    if (!tsig.valid)
      throw new Error(`answer from ${this.server} (${rcode}) failed TSIG verification: ${tsig.problem}`);
    return rcode;
  }

  /** What the server holds for one RRset (to adopt it when it is exactly ours). */
  private async fetch(conn: TcpExchange, want: RemoteRRset): Promise<RemoteRRset> {
    const res = await conn.send(queryMessage(randomInt(65536), want.name, want.type));
    const pkt = dnsPacket.decode(res);
    return { ...want, ...rdataFromAnswers(pkt.answers ?? [], want.name, want.type) };
  }

  /**
   * Creates RRsets nobody has. Each claim is in the state file before it is sent, so an answer
   * lost on the way (timeout, crash) cannot make our own RRset look foreign afterwards.
   */
  private async claim(conn: TcpExchange, claims: RemoteRRset[], conflicts: Set<string>): Promise<void> {
    const { zone } = this.opts;
    // A claim of an earlier attempt that is no longer wanted: if the server has what it sent, it
    // is ours to remove (next pass); otherwise it never landed.
    const wanted = new Set(claims.map(rrsetKey));
    for (const [key, sent] of [...this.claiming]) {
      if (wanted.has(key)) continue;
      const there = await this.fetch(conn, sent);
      this.claiming.delete(key);
      if (sameRRset(there, sent)) {
        this.owned.set(key, sent);
        this.again = true;
      }
    }
    if (claims.length === 0) return this.saveState();
    // Claims of ours that may be on the server from an earlier attempt.
    const earlier = new Map(this.claiming);
    const unsent = new Set<string>();
    for (const want of claims) {
      const key = rrsetKey(want);
      if (!this.claiming.has(key)) unsent.add(key);
      this.claiming.set(key, want);
    }
    this.saveState();
    try {
      for (const want of claims) {
        const key = rrsetKey(want);
        unsent.delete(key);
        const rcode = await this.exchange(conn, claimMessage(randomInt(65536), zone, want));
        // An answer, whatever it is, settles the claim: it was applied (NOERROR) or it was not.
        if (rcode === 'NOERROR') {
          this.owned.set(key, want);
          this.claiming.delete(key);
          continue;
        }
        if (rcode !== 'YXRRSET' && rcode !== 'YXDOMAIN') {
          this.claiming.delete(key);
          throw new Error(`creating ${key} in ${zone} answered ${rcode}`);
        }
        const there = await this.fetch(conn, want);
        const sent = earlier.get(key);
        this.claiming.delete(key);
        if (sent && sameRRset(there, sent)) {
          this.owned.set(key, sent);
          this.log.info(
            { rrset: key, server: this.server },
            'dns rfc2136: an earlier claim of ours whose answer was lost had been applied; adopted',
          );
          continue;
        }
        conflicts.add(key);
        if (!this.reportedConflicts.has(key))
          this.log.warn(
            { rrset: key, server: this.server, zone, rcode },
            'dns rfc2136: the server already has records there that are not ours; left alone',
          );
      }
    } finally {
      // Never sent: cannot be on the server because of us.
      for (const key of unsent) this.claiming.delete(key);
      this.saveState();
    }
  }

  private async reconcile(): Promise<void> {
    const zones = this.zones;
    if (!zones || this.stopped) return;
    const { zone } = this.opts;
    let conn: TcpExchange | undefined;
    try {
      const plan = planUpdates(desiredRRsets(zones, zone), this.owned);
      const conflicts = new Set<string>();
      if (plan.claim.length + plan.replace.length + plan.remove.length + this.claiming.size > 0) {
        conn = await TcpExchange.open(this.opts.host, this.opts.port, this.opts.timeoutMs ?? 10_000);
        const changes: { r: RemoteRRset; from?: RemoteRRset; del: boolean }[] = [
          ...plan.remove.map((r) => ({ r, del: true })),
          ...plan.replace.map((x) => ({ r: x.to, from: x.from, del: false })),
        ];
        for (let i = 0; i < changes.length; i += CHANGE_BATCH) {
          const batch = changes.slice(i, i + CHANGE_BATCH);
          const remove = batch.filter((c) => c.del).map((c) => c.r);
          const replace = batch.flatMap((c) => (c.from ? [{ from: c.from, to: c.r }] : []));
          const rcode = await this.exchange(conn, changeMessage(randomInt(65536), zone, replace, remove));
          if (rcode !== 'NOERROR')
            throw new Error(`update of ${batch.length} RRsets in ${zone} answered ${rcode}`);
          for (const r of remove) this.owned.delete(rrsetKey(r));
          for (const { to } of replace) this.owned.set(rrsetKey(to), to);
          this.saveState();
        }
        await this.claim(conn, plan.claim, conflicts);
      }
      this.reportedConflicts = conflicts;
      this.stats.conflicts = conflicts.size;
      this.stats.reconciles++;
      this.stats.lastError = undefined;
      this.backoff.reset();
      if (plan.claim.length + plan.replace.length + plan.remove.length > 0)
        this.log.info(
          {
            server: this.server,
            zone,
            created: plan.claim.length - conflicts.size,
            replaced: plan.replace.length,
            removed: plan.remove.length,
          },
          'dns rfc2136: zone updated',
        );
    } catch (e) {
      this.stats.failures++;
      const message = (e as Error).message;
      this.stats.lastError = message;
      const delay = this.backoff.next();
      this.log.error(
        { err: message, server: this.server, zone, retryInMs: delay },
        'dns rfc2136 update failed',
      );
      setTimeout(() => this.kick(0), delay).unref();
    } finally {
      conn?.close();
    }
  }
}
