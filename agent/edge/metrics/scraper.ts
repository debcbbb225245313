/**
 * The site's metrics-server: every `resolutionMs` (metrics-server's 15 s by default) it reads the
 * node's /proc and each running container's stats from the engine (Docker Engine API
 * `GET /containers/<id>/stats?stream=false`), and keeps one usage point per node and per container,
 * computed from the previous cumulative reading. Memory stays bounded: only the containers seen in
 * the last scrape are kept, one previous reading and one point each.
 *
 * The simulated engine runs no processes and has no stats: its pods are left out of PodMetrics
 * (kubectl says "metrics not available yet"), as metrics-server leaves out pods it cannot measure;
 * a zero would be a figure nobody measured.
 */
import { readFile } from 'node:fs/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../../client/client.js';
import type { RuntimeLogger } from '../../../client/log.js';
import type { KubeObject } from '../../../api/kubernetes.js';
import { DockerEngine } from '../engine/docker.js';
import { DockerHttp } from '../engine/docker/http.js';
import { mapLimit } from '../engine/docker/util.js';
import { LABELS, type ContainerEngine } from '../engine/engine.js';
import {
  containerReading,
  nanocoresBetween,
  nodeWorkingSetBytes,
  parseMeminfo,
  parseProcStatCpuNs,
  type CpuSample,
  type DockerStats,
  type UsagePoint,
} from './usage.js';

export const DEFAULT_RESOLUTION_MS = 15_000;
const STATS_CONCURRENCY = 4;
const STATS_TIMEOUT_MS = 10_000;

export interface ContainerUsage {
  name: string;
  point: UsagePoint;
}

export interface PodUsage {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  containers: ContainerUsage[];
}

export interface NodeUsage {
  name: string;
  labels: Record<string, string>;
  point: UsagePoint;
}

export interface MetricsSource {
  node(): NodeUsage | undefined;
  pods(): PodUsage[];
}

export interface ScraperOptions {
  engine: ContainerEngine;
  nodeName: string;
  /** The site API (pod labels, and which containers still belong to a pod). */
  kc: KubeConfig;
  log: RuntimeLogger;
  resolutionMs?: number;
  /** Where /proc is (tests point it at fixtures). */
  procDir?: string;
}

interface PodObject extends KubeObject {
  spec?: { nodeName?: string };
}

export class MetricsScraper implements MetricsSource {
  private readonly client: KubeClient;
  private readonly http?: DockerHttp;
  private prevNode?: CpuSample;
  private nodePoint?: NodeUsage;
  private readonly prevCpu = new Map<string, CpuSample>();
  private podPoints: PodUsage[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private failures = 0;

  constructor(private readonly o: ScraperOptions) {
    this.client = new KubeClient(o.kc, { timeoutMs: 10_000 });
    if (o.engine instanceof DockerEngine) this.http = new DockerHttp(o.engine.socketPath);
  }

  start(): void {
    const tick = (): void => {
      if (this.running) return;
      this.running = this.scrape().finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.o.resolutionMs ?? DEFAULT_RESOLUTION_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    this.http?.close();
  }

  node(): NodeUsage | undefined {
    return this.nodePoint;
  }

  pods(): PodUsage[] {
    return this.podPoints;
  }

  /** One scrape; never throws (a failed scrape keeps the last points, as metrics-server does). */
  async scrape(): Promise<void> {
    try {
      await Promise.all([this.scrapeNode(), this.scrapePods()]);
      this.failures = 0;
    } catch (e) {
      if (this.failures++ === 0)
        this.o.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'metrics scrape failed');
    }
  }

  private async scrapeNode(): Promise<void> {
    const proc = this.o.procDir ?? '/proc';
    const [stat, meminfo, node] = await Promise.all([
      readFile(`${proc}/stat`, 'utf8'),
      readFile(`${proc}/meminfo`, 'utf8'),
      this.client.getIfExists(`/api/v1/nodes/${encodeURIComponent(this.o.nodeName)}`),
    ]);
    const cpuNs = parseProcStatCpuNs(stat);
    const mem = nodeWorkingSetBytes(parseMeminfo(meminfo));
    if (cpuNs === undefined || mem === undefined) return;
    const cur = { cpuNs, atMs: Date.now() };
    const prev = this.prevNode;
    this.prevNode = cur;
    const rate = prev && nanocoresBetween(prev, cur);
    if (rate === undefined || !prev || !node) return;
    this.nodePoint = {
      name: this.o.nodeName,
      labels: node.metadata.labels ?? {},
      point: { nanocores: rate, memoryBytes: mem, timestampMs: cur.atMs, windowMs: cur.atMs - prev.atMs },
    };
  }

  private async scrapePods(): Promise<void> {
    if (!this.http) return;
    const [containers, pods] = await Promise.all([
      this.o.engine.listContainers({ [LABELS.node]: this.o.nodeName }),
      this.client.listAll<PodObject>('/api/v1/pods'),
    ]);
    const byUid = new Map(
      pods.items.filter((p) => p.spec?.nodeName === this.o.nodeName).map((p) => [p.metadata.uid, p]),
    );
    const live = containers.filter(
      (c) => c.status === 'running' && byUid.has(c.labels[LABELS.podUid]) && c.labels[LABELS.container],
    );
    const http = this.http;
    const readings = await mapLimit(live, STATS_CONCURRENCY, async (c) => {
      try {
        const s = await http.json<DockerStats>({
          method: 'GET',
          path: `/containers/${encodeURIComponent(c.id)}/stats`,
          query: { stream: false, 'one-shot': true },
          timeoutMs: STATS_TIMEOUT_MS,
        });
        return s ? containerReading(s, Date.now()) : undefined;
      } catch {
        return undefined; // exited between the list and the stats call
      }
    });
    const out = new Map<string, PodUsage>();
    const seen = new Set<string>();
    live.forEach((c, i) => {
      const r = readings[i];
      if (!r) return;
      seen.add(c.id);
      const prev = this.prevCpu.get(c.id) ?? r.previous;
      this.prevCpu.set(c.id, r.cpu);
      const rate = prev && nanocoresBetween(prev, r.cpu);
      if (rate === undefined || !prev) return;
      const pod = byUid.get(c.labels[LABELS.podUid]) as PodObject;
      const key = c.labels[LABELS.podUid];
      let u = out.get(key);
      if (!u) {
        u = {
          namespace: String(pod.metadata.namespace),
          name: String(pod.metadata.name),
          labels: pod.metadata.labels ?? {},
          containers: [],
        };
        out.set(key, u);
      }
      u.containers.push({
        name: c.labels[LABELS.container],
        point: {
          nanocores: rate,
          memoryBytes: r.memoryBytes,
          timestampMs: r.cpu.atMs,
          windowMs: r.cpu.atMs - prev.atMs,
        },
      });
    });
    for (const id of [...this.prevCpu.keys()]) if (!seen.has(id)) this.prevCpu.delete(id);
    this.podPoints = [...out.values()].sort(
      (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
    );
  }
}
