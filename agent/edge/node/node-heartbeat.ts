/**
 * Registers the Node and keeps it alive as kubelet does: the Lease in kube-node-lease is renewed
 * every interval (the cheap heartbeat), the Node's status is written when it says something new or
 * every few minutes. Level-triggered: a Node or Lease deleted by hand is simply created again.
 */
import type { KubeClient } from '../../../client/client.js';
import { isNotFound } from '../../../client/errors.js';
import { microTime } from '../../../api/time.js';
import type { RuntimeLogger } from '../../../client/log.js';
import type { EventRecorder } from '../../../client/events.js';
import type { KubeObject } from '../../../api/kubernetes.js';
import type { ContainerEngine } from '../engine/engine.js';
import { gatherNodeFacts } from './node-facts.js';
import {
  leaseFor,
  LEASE_NAMESPACE,
  nodeLabels,
  nodeStatus,
  nodeStatusChanged,
  type NodeStatus,
} from './node-info.js';
import { nowSeconds } from './history.js';

/** kubelet's nodeStatusReportFrequency: the status is rewritten at least this often. */
const REPORT_EVERY_MS = 5 * 60_000;

export interface NodeHeartbeatOptions {
  client: KubeClient;
  engine: ContainerEngine;
  nodeName: string;
  nodeIp: string;
  dataDir: string;
  intervalMs: number;
  log: RuntimeLogger;
  /** kubelet's node Events (Starting, NodeReady / NodeNotReady). */
  events?: EventRecorder;
}

type NodeObject = KubeObject & { status?: NodeStatus };

function isReady(s: NodeStatus | undefined): boolean {
  return s?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export class NodeHeartbeat {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastReport = 0;
  private stopped = false;
  private readonly nodePath: string;
  private readonly leasePath: string;

  constructor(private readonly o: NodeHeartbeatOptions) {
    this.nodePath = `/api/v1/nodes/${encodeURIComponent(o.nodeName)}`;
    this.leasePath = `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases/${encodeURIComponent(o.nodeName)}`;
  }

  /** Registers (or updates) the Node, then beats every interval until stop(). */
  async start(): Promise<void> {
    try {
      await this.beat();
    } finally {
      this.schedule();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.beat()
        .catch((e: unknown) => this.o.log.warn({ err: e }, 'node heartbeat failed'))
        .finally(() => this.schedule());
    }, this.o.intervalMs);
    this.timer.unref();
  }

  /** One round: the Node (created if missing, status if changed or due) and the Lease. */
  async beat(): Promise<void> {
    const facts = await gatherNodeFacts(this.o.engine, this.o.nodeName, this.o.nodeIp, this.o.dataDir);
    const labels = nodeLabels(facts);
    let node = await this.o.client.getIfExists<NodeObject>(this.nodePath);
    if (!node) {
      node = await this.o.client.create<NodeObject>('/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: this.o.nodeName, labels },
        spec: {},
      });
      this.o.log.info({ node: this.o.nodeName }, 'node registered');
    } else if (Object.entries(labels).some(([k, v]) => node!.metadata.labels?.[k] !== v)) {
      node = await this.o.client.mergePatch<NodeObject>(this.nodePath, { metadata: { labels } });
    }
    const now = Date.now();
    const next = nodeStatus(facts, node.status, nowSeconds(now));
    if (nodeStatusChanged(node.status, next) || now - this.lastReport >= REPORT_EVERY_MS) {
      await this.o.client.mergePatch(`${this.nodePath}/status`, { status: next });
      this.lastReport = now;
      const ready = isReady(next);
      if (ready !== isReady(node.status)) {
        // kubelet refers to its Node with the node name as uid.
        const ref = { apiVersion: 'v1', kind: 'Node', name: this.o.nodeName, uid: this.o.nodeName };
        const what = ready ? 'NodeReady' : 'NodeNotReady';
        this.o.events?.event(ref, 'Normal', what, `Node ${this.o.nodeName} status is now: ${what}`);
      }
    }
    await this.renewLease(node.metadata.uid, now);
  }

  private async renewLease(nodeUid: string | undefined, now: number): Promise<void> {
    const renewTime = microTime(now);
    try {
      await this.o.client.mergePatch(this.leasePath, {
        spec: { holderIdentity: this.o.nodeName, renewTime },
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await this.o.client.create(
        `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`,
        leaseFor(this.o.nodeName, nodeUid, renewTime),
      );
    }
  }
}
