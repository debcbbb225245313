/**
 * One watch of the member's pods (not a list per workload per status probe), indexed by
 * namespace, so a workload's pod summary costs a scan of its namespace only.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/kubernetes.js';
import { Informer } from '../../client/informer.js';
import type { RuntimeLogger } from '../../client/log.js';
import { podsOfWorkload, summarizePods, type Pod } from './summary.js';
import type { PodSummary } from '../../api/pod-summary.js';

export class PodIndex {
  private readonly informer: Informer<Pod>;
  private readonly byNamespace = new Map<string, Map<string, Pod>>();

  constructor(kc: KubeConfig, log: RuntimeLogger) {
    this.informer = new Informer<Pod>({ kc, listPath: '/api/v1/pods', logger: log, resyncMs: 0 });
    const put = (p: Pod) => {
      const ns = String(p.metadata.namespace);
      let m = this.byNamespace.get(ns);
      if (!m) this.byNamespace.set(ns, (m = new Map()));
      m.set(String(p.metadata.name), p);
    };
    this.informer.on('add', put);
    this.informer.on('update', put);
    this.informer.on('delete', (p) => {
      const m = this.byNamespace.get(String(p.metadata.namespace));
      m?.delete(String(p.metadata.name));
      if (m?.size === 0) this.byNamespace.delete(String(p.metadata.namespace));
    });
  }

  start(): void {
    this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  /** undefined until the first list, and for objects that are not workloads. */
  summaryFor(obj: KubeObject | undefined): PodSummary | undefined {
    if (!obj || !this.informer.hasSynced()) return undefined;
    const inNs = this.byNamespace.get(String(obj.metadata.namespace));
    const pods = podsOfWorkload(obj, inNs ? [...inNs.values()] : []);
    return pods ? summarizePods(pods) : undefined;
  }
}
