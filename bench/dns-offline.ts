/**
 * bench:dns, second part: the time from a cluster turning Offline (its KubeFedCluster Ready
 * condition going False, as the health controller writes it once heartbeats stop) to its address
 * leaving the DNS answers, and back. A hub with controllers; two clusters with hand-set health
 * (`edgefed.io/health: manual`) whose Works report a Service load-balancer address, as an agent
 * would; a FederatedService, a Domain and a ServiceDNSRecord. An agent that goes silent adds the
 * heartbeat threshold (--heartbeat-threshold, default 40 s) before the Offline write.
 */
import type { Client } from './lib.js';
import { sleep } from './lib.js';

const KFC = '/apis/core.kubefed.io/v1beta1/namespaces/kube-federation-system/kubefedclusters';
const FED = '/apis/types.kubefed.io/v1beta1';
const DNS = '/apis/multiclusterdns.kubefed.io/v1alpha1';

interface Obj {
  metadata: { name: string; namespace?: string; generation?: number; resourceVersion?: string };
  status?: unknown;
  spec?: unknown;
}

async function setReady(c: Client, name: string, ready: boolean): Promise<void> {
  const cur = await c.json<Obj>('GET', `${KFC}/${name}`);
  const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await c.json('PUT', `${KFC}/${name}/status`, {
    ...cur,
    status: {
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          reason: ready ? 'ClusterReady' : 'ClusterNotReachable',
          lastProbeTime: t,
          lastTransitionTime: t,
        },
      ],
    },
  });
}

async function reportService(c: Client, cluster: string, ip: string): Promise<void> {
  const path = `/apis/edgefed.io/v1alpha1/namespaces/edgefed-cluster-${cluster}/works`;
  for (let i = 0; i < 200; i++) {
    const list = await c.json<{ items: Obj[] }>('GET', path);
    const w = list.items.find((x) => x.metadata.name.startsWith('services.'));
    if (w) {
      await c.json('PUT', `${path}/${w.metadata.name}/status`, {
        ...w,
        status: {
          observedGeneration: w.metadata.generation,
          conditions: [
            {
              type: 'Applied',
              status: 'True',
              reason: 'Applied',
              lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            },
          ],
          remoteStatus: { loadBalancer: { ingress: [{ ip }] } },
        },
      });
      return;
    }
    await sleep(50);
  }
  throw new Error(`no Service Work for ${cluster}`);
}

export interface OfflineResult {
  leave: number[];
  back: number[];
}

/** `addresses(name)` asks the hub's DNS server for the A records of a name. */
export async function measureOffline(
  c: Client,
  addresses: (name: string) => Promise<string[]>,
  rounds: number,
): Promise<OfflineResult> {
  for (const [name, region] of [
    ['off-a', 'eu'],
    ['off-b', 'us'],
  ]) {
    await c.json('POST', KFC, {
      apiVersion: 'core.kubefed.io/v1beta1',
      kind: 'KubeFedCluster',
      metadata: {
        name,
        namespace: 'kube-federation-system',
        labels: { region, zone: `${region}-1` },
        annotations: { 'edgefed.io/health': 'manual' },
      },
      spec: { apiEndpoint: `https://${name}.invalid`, secretRef: { name } },
    });
    await setReady(c, name, true);
  }
  await c.json('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'shop' },
  });
  await c.json('POST', `${FED}/namespaces/shop/federatednamespaces`, {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedNamespace',
    metadata: { name: 'shop', namespace: 'shop' },
    spec: { placement: { clusterSelector: {} } },
  });
  await c.json('POST', `${FED}/namespaces/shop/federatedservices`, {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedService',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      template: { spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
      placement: { clusterSelector: {} },
    },
  });
  await c.json('POST', `${DNS}/namespaces/kube-federation-system/domains`, {
    apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
    kind: 'Domain',
    metadata: { name: 'off', namespace: 'kube-federation-system' },
    domain: 'offline.example',
  });
  await c.json('POST', `${DNS}/namespaces/shop/servicednsrecords`, {
    apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
    kind: 'ServiceDNSRecord',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { domainRef: 'off', recordTTL: 5 },
  });
  await reportService(c, 'off-a', '10.9.0.1');
  await reportService(c, 'off-b', '10.9.0.2');
  const name = 'web.shop.off.svc.offline.example';
  const until = async (n: number): Promise<number> => {
    const t0 = performance.now();
    for (;;) {
      if ((await addresses(name)).length === n) return performance.now() - t0;
      if (performance.now() - t0 > 30_000) throw new Error(`${name}: not ${n} addresses after 30 s`);
      await sleep(5);
    }
  };
  await until(2);
  const res: OfflineResult = { leave: [], back: [] };
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await setReady(c, 'off-b', false);
    await until(1);
    res.leave.push(performance.now() - t0);
    const t1 = performance.now();
    await setReady(c, 'off-b', true);
    await until(2);
    res.back.push(performance.now() - t1);
  }
  return res;
}
