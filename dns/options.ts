/**
 * `edgefed hub` DNS options: the commander declarations, their validation into a DnsConfig, and
 * reading the TSIG secret (from a file, so it never appears in argv, and never logged).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { InvalidArgumentError, type Command } from 'commander';
import { normalizeName } from './names.js';
import { DEFAULT_SKYDNS_PREFIX } from './export/skydns.js';

export const DEFAULT_DNS_PORT = 5353;

export interface DnsConfig {
  port: number;
  bind: string;
  /** The port was asked for explicitly: failing to bind it fails the hub (the default is best effort). */
  required: boolean;
  /** Marks our records in etcd (and names the rfc2136 state file). */
  owner: string;
  etcd?: { endpoints: string[]; prefix: string };
  rfc2136?: { host: string; port: number; zone: string; keyName: string; secretFile: string };
}

export interface DnsCliOptions {
  dns: boolean;
  dnsPort?: number;
  dnsBind: string;
  dnsOwnerId: string;
  dnsEtcdEndpoints?: string;
  dnsEtcdPrefix: string;
  dnsRfc2136Server?: string;
  dnsRfc2136Zone?: string;
  dnsRfc2136TsigName?: string;
  dnsRfc2136TsigSecretFile?: string;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

/** Declares the DNS options on a command (returns it, for chaining). */
export function addDnsOptions(cmd: Command): Command {
  return cmd
    .option('--no-dns', 'do not serve DNS (the Domain and DNSEndpoint zones) from this process')
    .option(
      '--dns-port <port>',
      `DNS port, UDP and TCP (default ${DEFAULT_DNS_PORT}; 0 picks a free one)`,
      port,
    )
    .option(
      '--dns-bind <addr>',
      'address the DNS server listens on (127.0.0.1 also listens on ::1)',
      '127.0.0.1',
    )
    .option(
      '--dns-owner-id <id>',
      'marks the records this hub exports (etcd values, rfc2136 state)',
      'edgefed',
    )
    .option('--dns-etcd-endpoints <urls>', 'export the zones to etcd for CoreDNS (comma-separated URLs)')
    .option('--dns-etcd-prefix <prefix>', 'etcd key prefix of the CoreDNS etcd plugin', DEFAULT_SKYDNS_PREFIX)
    .option('--dns-rfc2136-server <host:port>', 'export the zones to this server with RFC 2136 UPDATE')
    .option('--dns-rfc2136-zone <zone>', 'the zone to update there')
    .option('--dns-rfc2136-tsig-name <name>', 'TSIG key name (HMAC-SHA256)')
    .option('--dns-rfc2136-tsig-secret-file <file>', 'file holding the base64 TSIG secret');
}

function hostPort(v: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(v) ?? /^([^:]+):(\d+)$/.exec(v);
  const p = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(p) || p < 1 || p > 65535)
    throw new Error(`--dns-rfc2136-server: expected HOST:PORT, got ${JSON.stringify(v)}`);
  return { host: m[1], port: p };
}

/**
 * The DNS config the options ask for, or undefined with --no-dns. Throws on inconsistent options.
 * Takes the command's whole (untyped) option object, so the hub command declares none of these.
 */
export function dnsConfigFromCli(opts: object): DnsConfig | undefined {
  const o: DnsCliOptions = {
    dns: true,
    dnsBind: '127.0.0.1',
    dnsOwnerId: 'edgefed',
    dnsEtcdPrefix: DEFAULT_SKYDNS_PREFIX,
    ...opts,
  };
  if (o.dns === false) return undefined;
  if (!isIP(o.dnsBind)) throw new Error(`--dns-bind: not an IP address: ${JSON.stringify(o.dnsBind)}`);
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(o.dnsOwnerId))
    throw new Error('--dns-owner-id: lower-case letters, digits and hyphens (at most 63)');
  const cfg: DnsConfig = {
    port: o.dnsPort ?? DEFAULT_DNS_PORT,
    bind: o.dnsBind,
    required: o.dnsPort !== undefined,
    owner: o.dnsOwnerId,
  };
  if (o.dnsEtcdEndpoints) {
    const endpoints = o.dnsEtcdEndpoints
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const e of endpoints)
      if (!/^https?:\/\/[^/]+\/?$/.test(e)) throw new Error(`--dns-etcd-endpoints: not an http(s) URL: ${e}`);
    cfg.etcd = { endpoints, prefix: o.dnsEtcdPrefix };
  }
  const r = [o.dnsRfc2136Server, o.dnsRfc2136Zone, o.dnsRfc2136TsigName, o.dnsRfc2136TsigSecretFile];
  if (r.some((v) => v !== undefined)) {
    if (r.some((v) => v === undefined))
      throw new Error(
        'RFC 2136 export needs all of --dns-rfc2136-server, --dns-rfc2136-zone, --dns-rfc2136-tsig-name and --dns-rfc2136-tsig-secret-file',
      );
    const zone = normalizeName(o.dnsRfc2136Zone!);
    if (!zone) throw new Error(`--dns-rfc2136-zone: not a domain name: ${JSON.stringify(o.dnsRfc2136Zone)}`);
    cfg.rfc2136 = {
      ...hostPort(o.dnsRfc2136Server!),
      zone,
      keyName: o.dnsRfc2136TsigName!,
      secretFile: o.dnsRfc2136TsigSecretFile!,
    };
    // Read now so a missing or empty file fails at start, not at the first update.
    readTsigSecret(cfg.rfc2136.secretFile);
  }
  return cfg;
}

/**
 * The secret in a key file: the base64 text alone, or the `secret` line of a BIND or Knot key
 * definition. The error never quotes the file's content.
 */
export function readTsigSecret(file: string): Buffer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(
      `--dns-rfc2136-tsig-secret-file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const m = /secret\s*[:\s]\s*"?([A-Za-z0-9+/=]+)"?/.exec(text);
  const b64 = (m ? m[1] : text).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64))
    throw new Error(`--dns-rfc2136-tsig-secret-file: ${file} does not hold a base64 secret`);
  const secret = Buffer.from(b64, 'base64');
  if (secret.length < 16)
    throw new Error(`--dns-rfc2136-tsig-secret-file: the secret in ${file} is shorter than 16 bytes`);
  return secret;
}
