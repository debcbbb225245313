import type { KubeObject } from '../../api/kubernetes.js';
import type { KubeClient } from '../../client/client.js';
import { isAlreadyExists, isNotFound } from '../../client/errors.js';
import type { Informer } from '../../client/informer.js';
import type { RuntimeLogger } from '../../client/log.js';
import { WORK_FINALIZER, clusterNamespace, type KubeFedCluster, type Work } from '../../api/federation.js';

export const CLUSTER_LABEL = 'edgefed.io/cluster';

/**
 * Every KubeFedCluster gets its namespace on the hub (where its Works live); a removed cluster's
 * namespace goes, and with it the agent finalizers on its Works, so nothing waits forever on a
 * cluster that is no longer there (kubefed's stuck deletions).
 */
export class ClusterNamespaces {
  constructor(
    private readonly client: KubeClient,
    private readonly clusters: Informer<KubeFedCluster>,
    private readonly namespaces: Informer<KubeObject>,
    private readonly works: Informer<Work>,
    private readonly log: RuntimeLogger,
  ) {}

  /** One level-triggered pass; cheap when nothing changed. */
  async reconcile(): Promise<void> {
    const wanted = new Set(
      this.clusters
        .list()
        .filter((c) => !c.metadata.deletionTimestamp)
        .map((c) => String(c.metadata.name)),
    );
    for (const name of wanted) {
      const ns = clusterNamespace(name);
      if (this.namespaces.get(ns)) continue;
      try {
        await this.client.create('/api/v1/namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: ns, labels: { [CLUSTER_LABEL]: name } },
        });
        this.log.info({ cluster: name, namespace: ns }, 'created cluster namespace');
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
    for (const ns of this.namespaces.list()) {
      const cluster = ns.metadata.labels?.[CLUSTER_LABEL];
      if (!cluster || wanted.has(cluster)) continue;
      await this.release(String(ns.metadata.name));
    }
  }

  private async release(ns: string): Promise<void> {
    for (const w of this.works.list()) {
      if (w.metadata.namespace !== ns || !(w.metadata.finalizers ?? []).includes(WORK_FINALIZER)) continue;
      const finalizers = (w.metadata.finalizers ?? []).filter((f) => f !== WORK_FINALIZER);
      await this.client
        .patch(
          `/apis/edgefed.io/v1alpha1/namespaces/${ns}/works/${w.metadata.name}`,
          { metadata: { finalizers } },
          'merge',
        )
        .catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
    }
    const nsObj = this.namespaces.get(ns);
    if (nsObj && !nsObj.metadata.deletionTimestamp) {
      await this.client.delete(`/api/v1/namespaces/${ns}`).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
      this.log.info({ namespace: ns }, 'cluster removed: released its Works and deleted its namespace');
    }
  }
}
