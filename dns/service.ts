/**
 * The hub's DNS: the source (informers → zones) feeding the server and the exporters. This is
 * what hub.ts starts; it owns their lifetimes.
 */
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { RuntimeLogger } from '../client/log.js';
import { registerDnsMetrics } from './metrics.js';
import { readTsigSecret, type DnsConfig } from './options.js';
import { DnsServer, defaultUdpWorkers } from './server.js';
import { DnsSource } from './source.js';
import { Rfc2136Exporter } from './export/rfc2136.js';
import { SkydnsEtcdExporter } from './export/skydns-etcd.js';

export interface RunningDns {
  /** Undefined when the default port was busy (best effort). */
  server?: DnsServer;
  /** `host:port` of the primary listener, as printed on startup. */
  address?: string;
  source: DnsSource;
  etcd?: SkydnsEtcdExporter;
  rfc2136?: Rfc2136Exporter;
  close(): Promise<void>;
}

export async function startDns(
  cfg: DnsConfig,
  ctx: { kc: KubeConfig; dataDir: string; log: RuntimeLogger; registry?: Registry },
): Promise<RunningDns> {
  const log = ctx.log;
  let server: DnsServer | undefined = new DnsServer({
    port: cfg.port,
    bind: cfg.bind,
    log,
    udpWorkers: defaultUdpWorkers(),
  });
  try {
    await server.start();
  } catch (e) {
    if (cfg.required)
      throw new Error(`DNS: cannot listen on ${cfg.bind}:${cfg.port}: ${(e as Error).message}`);
    log.warn(
      { err: (e as Error).message, bind: cfg.bind, port: cfg.port },
      'DNS: cannot listen on the default port; not serving DNS (use --dns-port, or --no-dns)',
    );
    server = undefined;
  }
  const etcd = cfg.etcd
    ? new SkydnsEtcdExporter({
        endpoints: cfg.etcd.endpoints,
        prefix: cfg.etcd.prefix,
        owner: cfg.owner,
        log,
      })
    : undefined;
  const rfc2136 = cfg.rfc2136
    ? new Rfc2136Exporter({
        host: cfg.rfc2136.host,
        port: cfg.rfc2136.port,
        zone: cfg.rfc2136.zone,
        key: { name: cfg.rfc2136.keyName, secret: readTsigSecret(cfg.rfc2136.secretFile) },
        stateFile: join(
          ctx.dataDir,
          'dns',
          `rfc2136-${cfg.owner}-${cfg.rfc2136.zone}-${cfg.rfc2136.host.replace(/[^a-zA-Z0-9.-]/g, '_')}-${cfg.rfc2136.port}.json`,
        ),
        log,
      })
    : undefined;
  const source = new DnsSource({
    kc: ctx.kc,
    log,
    onChange: (zones) => {
      server?.setZones(zones);
      etcd?.update(zones);
      rfc2136?.update(zones);
    },
  });
  source.start();
  etcd?.start();
  rfc2136?.start();
  if (ctx.registry) registerDnsMetrics(ctx.registry, { server, source, etcd, rfc2136 });
  const address = server
    ? `${cfg.bind.includes(':') ? `[${cfg.bind}]` : cfg.bind}:${server.port}`
    : undefined;
  return {
    server,
    address,
    source,
    etcd,
    rfc2136,
    async close() {
      await source.stop();
      await Promise.all([server?.stop(), etcd?.stop(), rfc2136?.stop()]);
    },
  };
}
