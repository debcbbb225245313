/**
 * The set of joined clusters, from a watch on KubeFedClusters, for agentAuthorizer's per-request
 * check. Fails closed: until the first list arrives every cluster is unknown (agents retry).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { Informer } from '../../client/informer.js';
import type { RuntimeLogger } from '../../client/log.js';
import { HUB_NAMESPACE, type KubeFedCluster } from '../../api/federation.js';
import { AGENT_KEY_ANNOTATION } from '../../api/protocol.js';

export const KUBEFEDCLUSTERS_PATH = `/apis/core.kubefed.io/v1beta1/namespaces/${HUB_NAMESPACE}/kubefedclusters`;

export class KnownClusters {
  private informer?: Informer<KubeFedCluster>;

  /** Starts watching (call once the hub serves and its admin kubeconfig exists). */
  start(kc: KubeConfig, log?: RuntimeLogger): void {
    if (this.informer) return;
    this.informer = new Informer<KubeFedCluster>({ kc, listPath: KUBEFEDCLUSTERS_PATH, logger: log });
    this.informer.start();
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
  }

  waitForSync(): Promise<void> {
    return this.informer?.waitForSync() ?? Promise.resolve();
  }

  /** A cluster that exists and is not being deleted. */
  has(name: string): boolean {
    const c = this.informer?.get(`${HUB_NAMESPACE}/${name}`);
    return !!c && !c.metadata.deletionTimestamp;
  }

  /** The agent key (sha256 of its SPKI) the cluster joined with, if it joined through an agent. */
  agentKey(name: string): string | undefined {
    return this.informer?.get(`${HUB_NAMESPACE}/${name}`)?.metadata.annotations?.[AGENT_KEY_ANNOTATION];
  }
}
