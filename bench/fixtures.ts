/**
 * Objects and cluster registration shared by bench:propagation and bench:etcd: kubefed's example
 * FederatedDeployment, and KubeFedClusters registered with manual health and marked Ready by the
 * bench (no agents), so the benches time the hub alone.
 */
import type { KubeFedCluster } from '../api/federation.js';
import type { Client } from './lib.js';

export const KFC = '/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters';

export const fedNamespace = (ns: string) => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind: 'FederatedNamespace',
  metadata: { name: ns, namespace: ns },
  spec: { placement: { clusterSelector: {} } },
});

/** kubefed's example FederatedDeployment, placed by an empty selector (every cluster). */
export const fedDeployment = (ns: string, name: string) => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind: 'FederatedDeployment',
  metadata: { name, namespace: ns },
  spec: {
    template: {
      metadata: { labels: { app: name } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ image: 'nginx:1.17.0-alpine', name: 'nginx' }] },
        },
      },
    },
    placement: { clusterSelector: {} },
  },
});

export const clusterName = (i: number): string => `c${String(i).padStart(4, '0')}`;

/** Registers a KubeFedCluster as an agent would, and marks it Ready. */
export async function registerCluster(c: Client, name: string): Promise<void> {
  let cur = await c.json<KubeFedCluster>('POST', KFC, {
    apiVersion: 'core.kubefed.io/v1beta1',
    kind: 'KubeFedCluster',
    metadata: { name, namespace: 'kube-federation-system', annotations: { 'edgefed.io/health': 'manual' } },
    spec: { apiEndpoint: `https://${name}.invalid`, secretRef: { name } },
  });
  const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const status = {
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'ClusterReady',
        message: 'heartbeat current',
        lastProbeTime: t,
        lastTransitionTime: t,
      },
    ],
  };
  for (let i = 0; i < 5; i++) {
    const r = await c.request('PUT', `${KFC}/${name}/status`, { ...cur, status });
    if (r.status === 200) return;
    if (r.status !== 409)
      throw new Error(`cluster ${name} status: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
    cur = await c.json<KubeFedCluster>('GET', `${KFC}/${name}`);
  }
  throw new Error(`cluster ${name} status: too many conflicts`);
}
