/**
 * What every site controller shares: one informer per kind (cluster-wide, so a pod event is
 * decoded once for all controllers), their indices, the client, the node.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../../api/kubernetes.js';
import type { KubeClient } from '../../../client/client.js';
import { Informer } from '../../../client/informer.js';
import type { RuntimeLogger } from '../../../client/log.js';
import type { SiteEvents } from './events.js';
import { controllerOf } from './meta.js';
import type { CronJob } from './cronjob/plan.js';
import type { DaemonSet, Node } from './daemonset/types.js';
import type { Endpoints, EndpointSlice } from './endpoints/types.js';
import type { StatefulSet } from './statefulset/types.js';
import type { Deployment, Job, Pod, ReplicaSet, Service } from './types.js';

export const INDEX = {
  /** uid of the controller owner reference */
  controllerUid: 'controller-uid',
  /** uid of every owner reference (for the garbage collector) */
  ownerUid: 'owner-uid',
  namespace: 'namespace',
} as const;

export interface SiteInformers {
  deployments: Informer<Deployment>;
  replicaSets: Informer<ReplicaSet>;
  pods: Informer<Pod>;
  jobs: Informer<Job>;
  services: Informer<Service>;
  endpoints: Informer<Endpoints>;
  endpointSlices: Informer<EndpointSlice>;
  statefulSets: Informer<StatefulSet>;
  daemonSets: Informer<DaemonSet>;
  cronJobs: Informer<CronJob>;
  nodes: Informer<Node>;
}

export interface SiteContext {
  client: KubeClient;
  informers: SiteInformers;
  log: RuntimeLogger;
  nodeName: string;
  nodeIp: string;
  workers: number;
  now(): Date;
  /** controller-manager's Events (events.ts). */
  events: SiteEvents;
}

export function createSiteInformers(kc: KubeConfig, log: RuntimeLogger, resyncMs?: number): SiteInformers {
  const make = <T extends KubeObject>(listPath: string): Informer<T> => {
    const i = new Informer<T>({ kc, listPath, logger: log, resyncMs });
    i.addIndex(INDEX.namespace, (o) => [o.metadata.namespace ?? '']);
    i.addIndex(INDEX.controllerUid, (o) => {
      const ref = controllerOf(o);
      return ref ? [ref.uid] : [];
    });
    i.addIndex(INDEX.ownerUid, (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid));
    return i;
  };
  return {
    deployments: make<Deployment>('/apis/apps/v1/deployments'),
    replicaSets: make<ReplicaSet>('/apis/apps/v1/replicasets'),
    pods: make<Pod>('/api/v1/pods'),
    jobs: make<Job>('/apis/batch/v1/jobs'),
    services: make<Service>('/api/v1/services'),
    endpoints: make<Endpoints>('/api/v1/endpoints'),
    endpointSlices: make<EndpointSlice>('/apis/discovery.k8s.io/v1/endpointslices'),
    statefulSets: make<StatefulSet>('/apis/apps/v1/statefulsets'),
    daemonSets: make<DaemonSet>('/apis/apps/v1/daemonsets'),
    cronJobs: make<CronJob>('/apis/batch/v1/cronjobs'),
    nodes: make<Node>('/api/v1/nodes'),
  };
}

export function allInformers(i: SiteInformers): Informer<KubeObject>[] {
  return Object.values(i) as Informer<KubeObject>[];
}
