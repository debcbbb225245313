import type { KubeObject } from '../../api/kubernetes.js';
import type { FederatedObject, KubeFedCluster, Work } from '../../api/federation.js';
import { request, waitFor, type HubProcess } from './hub.js';

const KFC = '/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters';

/** Registers a KubeFedCluster as an agent would (issue 4 replaces this with a real join). */
export async function addCluster(
  hub: HubProcess,
  name: string,
  labels: Record<string, string> = {},
  ready = true,
): Promise<void> {
  const res = await request(hub, 'POST', KFC, {
    apiVersion: 'core.kubefed.io/v1beta1',
    kind: 'KubeFedCluster',
    metadata: {
      name,
      namespace: 'kube-federation-system',
      labels,
      // Health is set by hand here (setClusterReady), not from an agent heartbeat.
      annotations: { 'edgefed.io/health': 'manual' },
    },
    spec: { apiEndpoint: `https://${name}.invalid`, secretRef: { name } },
  });
  if (res.status !== 201) throw new Error(`create cluster ${name}: ${res.status} ${res.body}`);
  await setClusterReady(hub, name, ready);
}

export async function setClusterReady(
  hub: HubProcess,
  name: string,
  ready: boolean,
  since = new Date(),
): Promise<void> {
  const cur = (await request(hub, 'GET', `${KFC}/${name}`)).json<KubeFedCluster>();
  const t = since.toISOString().replace(/\.\d+Z$/, 'Z');
  const status = {
    conditions: [
      {
        type: 'Ready',
        status: ready ? 'True' : 'False',
        reason: ready ? 'ClusterReady' : 'ClusterNotReachable',
        message: ready ? 'heartbeat current' : 'no heartbeat',
        lastProbeTime: t,
        lastTransitionTime: t,
      },
    ],
  };
  const res = await request(hub, 'PUT', `${KFC}/${name}/status`, { ...cur, status });
  if (res.status !== 200) throw new Error(`cluster ${name} status: ${res.status} ${res.body}`);
}

export async function deleteCluster(hub: HubProcess, name: string): Promise<void> {
  await request(hub, 'DELETE', `${KFC}/${name}`);
}

export async function works(hub: HubProcess, cluster?: string): Promise<Work[]> {
  const path = cluster
    ? `/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-${cluster}/works`
    : '/apis/edgefed.io/v1alpha1/works';
  const res = await request(hub, 'GET', path);
  if (res.status === 404) return [];
  return res.json<{ items: Work[] }>().items;
}

export async function workFor(
  hub: HubProcess,
  cluster: string,
  sourceName: string,
  kind = 'Deployment',
): Promise<Work | undefined> {
  return (await works(hub, cluster)).find(
    (w) => w.spec.source.name === sourceName && w.spec.source.kind === kind,
  );
}

/** Reports a Work as applied by the member side, with the member object's status. */
export async function reportApplied(
  hub: HubProcess,
  w: Work,
  remoteStatus?: unknown,
  clusterStatus?: string,
  message?: string,
): Promise<void> {
  const path = `/apis/edgefed.io/v1alpha1/namespaces/${w.metadata.namespace}/works/${w.metadata.name}/status`;
  for (let i = 0; i < 5; i++) {
    const cur = (await request(hub, 'GET', path)).json<Work>();
    const status = {
      observedGeneration: cur.metadata.generation,
      conditions: [
        {
          type: 'Applied',
          status: clusterStatus ? 'False' : 'True',
          reason: clusterStatus ?? 'Applied',
          lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
      ],
      ...(clusterStatus ? { clusterStatus, message } : {}),
      ...(remoteStatus ? { remoteStatus } : {}),
    };
    const res = await request(hub, 'PUT', path, { ...cur, status });
    if (res.status === 200) return;
    if (res.status !== 409) throw new Error(`work status: ${res.status} ${res.body}`);
  }
  throw new Error('work status: too many conflicts');
}

export async function getFederated(
  hub: HubProcess,
  plural: string,
  ns: string | undefined,
  name: string,
): Promise<FederatedObject | undefined> {
  const path = ns
    ? `/apis/types.kubefed.io/v1beta1/namespaces/${ns}/${plural}/${name}`
    : `/apis/types.kubefed.io/v1beta1/${plural}/${name}`;
  const res = await request(hub, 'GET', path);
  return res.status === 200 ? res.json<FederatedObject>() : undefined;
}

export async function waitForWorks(
  hub: HubProcess,
  pred: (ws: Work[]) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<Work[]> {
  return waitFor(
    what,
    async () => {
      const ws = await works(hub);
      return pred(ws) ? ws : undefined;
    },
    timeoutMs,
  );
}

export function manifest(w: Work): KubeObject {
  return w.spec.manifest;
}

/**
 * kubefed's own example FederatedDeployment (`test-deployment`, nginx, 3 replicas) placed on
 * `clusters` with the given overrides — the manifest several suites apply unchanged.
 */
export function kubefedTestDeployment(namespace: string, clusters: string[], overrides: unknown[] = []) {
  return {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedDeployment',
    metadata: { name: 'test-deployment', namespace },
    spec: {
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'nginx' } },
          template: {
            metadata: { labels: { app: 'nginx' } },
            spec: { containers: [{ image: 'nginx:1.17.0-alpine', name: 'nginx' }] },
          },
        },
      },
      placement: { clusters: clusters.map((name) => ({ name })) },
      overrides,
    },
  };
}
