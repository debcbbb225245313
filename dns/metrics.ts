/** Publishes the DNS counters on the hub's /metrics (read at scrape time; the hot path only counts). */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DnsCounters, DnsServer } from './server.js';
import type { DnsSource } from './source.js';
import type { Rfc2136Exporter } from './export/rfc2136.js';
import type { SkydnsEtcdExporter } from './export/skydns-etcd.js';

export function registerDnsMetrics(
  registry: Registry,
  parts: { server?: DnsServer; source: DnsSource; etcd?: SkydnsEtcdExporter; rfc2136?: Rfc2136Exporter },
): void {
  const { server, source, etcd, rfc2136 } = parts;
  if (server) {
    new Counter({
      name: 'edgefed_dns_queries_total',
      help: 'DNS queries received, by transport.',
      labelNames: ['transport'] as const,
      registers: [registry],
      async collect() {
        await server.syncCounters();
        const c = server.counters;
        this.reset();
        this.labels('udp').inc(c.udpQueries);
        this.labels('tcp').inc(c.tcpQueries);
      },
    });
    new Counter({
      name: 'edgefed_dns_responses_total',
      help: 'DNS responses sent, by rcode.',
      labelNames: ['rcode'] as const,
      registers: [registry],
      async collect() {
        await server.syncCounters();
        const c = server.counters;
        this.reset();
        for (const [rcode, n] of Object.entries(c.responses)) this.labels(rcode).inc(n);
      },
    });
    const simple: [string, string, (c: DnsCounters) => number][] = [
      ['edgefed_dns_truncated_total', 'UDP responses truncated (TC set).', (c) => c.truncated],
      [
        'edgefed_dns_dropped_total',
        'Packets not answered (no header, or an error response).',
        (c) => c.dropped,
      ],
      ['edgefed_dns_cache_hits_total', 'Answers served from the response cache.', (c) => c.cacheHits],
      ['edgefed_dns_tcp_connections_total', 'TCP connections accepted.', (c) => c.tcpConnections],
      ['edgefed_dns_socket_errors_total', 'Socket send and connection errors.', (c) => c.errors],
    ];
    for (const [name, help, get] of simple)
      new Counter({
        name,
        help,
        registers: [registry],
        async collect() {
          await server.syncCounters();
          this.reset();
          this.inc(get(server.counters));
        },
      });
  }
  new Gauge({
    name: 'edgefed_dns_zones',
    help: 'Zones served.',
    registers: [registry],
    collect() {
      this.set(source.stats().zones);
    },
  });
  new Counter({
    name: 'edgefed_dns_zone_rebuilds_total',
    help: 'Zone snapshots published.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(source.stats().rebuilds);
    },
  });
  const exporters: [string, { stats: { reconciles: number; failures: number } } | undefined][] = [
    ['etcd', etcd],
    ['rfc2136', rfc2136],
  ];
  new Counter({
    name: 'edgefed_dns_export_reconciles_total',
    help: 'Exporter reconciles, by exporter and result.',
    labelNames: ['exporter', 'result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [name, e] of exporters) {
        if (!e) continue;
        this.labels(name, 'ok').inc(e.stats.reconciles);
        this.labels(name, 'failed').inc(e.stats.failures);
      }
    },
  });
}
