/**
 * What kube's endpoints and endpointslice controllers derive from a Service and its pods (pure):
 * pods the selector matches, with an IP and not finished. Endpoints list ready pods under
 * addresses and the others under notReadyAddresses; terminating pods are left out (drained).
 * EndpointSlices list every such pod with its conditions (a terminating pod: ready false,
 * terminating true). Pods are grouped by the ports their containers resolve for the Service.
 */
import { isPodReady, isPodTerminal } from '../pod-state.js';
import type { Pod, Service } from '../types.js';
import {
  HEADLESS_LABEL,
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
  SLICE_CONTROLLER,
  type EndpointAddress,
  type EndpointPort,
  type EndpointSubset,
  type Endpoints,
  type EndpointSlice,
  type SliceEndpoint,
} from './types.js';

interface ContainerPort {
  name?: string;
  containerPort?: number;
  protocol?: string;
}

export function serviceSelector(svc: Service): Record<string, string> | undefined {
  const sel = svc.spec?.selector as Record<string, string> | undefined;
  return sel && Object.keys(sel).length > 0 ? sel : undefined;
}

/** Services without a selector have hand-written endpoints: the controllers leave them alone. */
export function managesEndpoints(svc: Service): boolean {
  return serviceSelector(svc) !== undefined && svc.spec?.type !== 'ExternalName';
}

export function selects(svc: Service, pod: Pod): boolean {
  const sel = serviceSelector(svc);
  if (!sel || pod.metadata.namespace !== svc.metadata.namespace) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

/** podutil.FindPort: a number is itself; a name is the container port of that name and protocol. */
export function findPort(
  pod: Pod,
  targetPort: number | string | undefined,
  protocol: string,
): number | undefined {
  if (typeof targetPort === 'number') return targetPort;
  if (targetPort === undefined || targetPort === '') return undefined;
  if (/^\d+$/.test(targetPort)) return Number(targetPort);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of (c.ports ?? []) as ContainerPort[]) {
      if (p.name === targetPort && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** The endpoint ports a pod serves for the Service; undefined when a named port does not resolve. */
function podPorts(svc: Service, pod: Pod): EndpointPort[] | undefined {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const protocol = sp.protocol ?? 'TCP';
    const port = findPort(pod, (sp.targetPort as number | string | undefined) ?? sp.port, protocol);
    if (port === undefined) continue;
    out.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol });
  }
  return (svc.spec?.ports ?? []).length > 0 && out.length === 0 ? undefined : out;
}

function podIP(pod: Pod): string | undefined {
  const ip = pod.status?.podIP;
  return typeof ip === 'string' && ip !== '' ? ip : undefined;
}

/** endpointutil.ShouldPodBeInEndpoints. */
export function inEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod) || !podIP(pod)) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

function hostnameFor(svc: Service, pod: Pod): string | undefined {
  const h = pod.spec?.hostname;
  return h && pod.spec?.subdomain === svc.metadata.name ? h : undefined;
}

function address(svc: Service, pod: Pod): EndpointAddress {
  const hostname = hostnameFor(svc, pod);
  return {
    ip: podIP(pod) as string,
    ...(hostname ? { hostname } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: {
      kind: 'Pod',
      namespace: String(pod.metadata.namespace),
      name: String(pod.metadata.name),
      uid: String(pod.metadata.uid),
    },
  };
}

const byAddress = (a: EndpointAddress, b: EndpointAddress) =>
  a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : (a.targetRef?.name ?? '') < (b.targetRef?.name ?? '') ? -1 : 1;

function groupByPorts(svc: Service, pods: Pod[]): Map<string, { ports: EndpointPort[]; pods: Pod[] }> {
  const groups = new Map<string, { ports: EndpointPort[]; pods: Pod[] }>();
  for (const pod of [...pods].sort((a, b) => (String(a.metadata.name) < String(b.metadata.name) ? -1 : 1))) {
    const ports = podPorts(svc, pod);
    if (!ports) continue;
    const key = JSON.stringify(ports);
    const g = groups.get(key) ?? { ports, pods: [] };
    g.pods.push(pod);
    groups.set(key, g);
  }
  return groups;
}

function endpointLabels(svc: Service): Record<string, string> {
  const labels = { ...(svc.metadata.labels ?? {}) };
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  return labels;
}

/** The Endpoints object the Service should have (same name and namespace). */
export function desiredEndpoints(svc: Service, allPods: Pod[]): Endpoints {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const pods = allPods.filter((p) => selects(svc, p) && inEndpoints(p, publishNotReady));
  const subsets: EndpointSubset[] = [];
  for (const { ports, pods: group } of groupByPorts(svc, pods).values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const p of group) (publishNotReady || isPodReady(p) ? ready : notReady).push(address(svc, p));
    const subset: EndpointSubset = {};
    if (ready.length) subset.addresses = ready.sort(byAddress);
    if (notReady.length) subset.notReadyAddresses = notReady.sort(byAddress);
    if (ports.length) subset.ports = ports;
    subsets.push(subset);
  }
  const labels = endpointLabels(svc);
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      name: String(svc.metadata.name),
      namespace: String(svc.metadata.namespace),
      ...(Object.keys(labels).length ? { labels } : {}),
    },
    ...(subsets.length ? { subsets } : {}),
  };
}

export function sliceLabels(svc: Service): Record<string, string> {
  return {
    ...endpointLabels(svc),
    [SERVICE_NAME_LABEL]: String(svc.metadata.name),
    [MANAGED_BY_LABEL]: SLICE_CONTROLLER,
  };
}

/** One slice body per port set (name and owner filled in by the planner). */
export function desiredSlices(svc: Service, allPods: Pod[]): Pick<EndpointSlice, 'endpoints' | 'ports'>[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const pods = allPods.filter((p) => selects(svc, p) && inEndpoints(p, true));
  const out: Pick<EndpointSlice, 'endpoints' | 'ports'>[] = [];
  for (const { ports, pods: group } of groupByPorts(svc, pods).values()) {
    const endpoints: SliceEndpoint[] = group.map((p) => {
      const a = address(svc, p);
      const terminating = Boolean(p.metadata.deletionTimestamp);
      const serving = publishNotReady || isPodReady(p);
      return {
        addresses: [a.ip],
        conditions: { ready: serving && !terminating, serving, terminating },
        ...(a.hostname ? { hostname: a.hostname } : {}),
        ...(a.nodeName ? { nodeName: a.nodeName } : {}),
        ...(a.targetRef ? { targetRef: a.targetRef } : {}),
      };
    });
    out.push({
      endpoints,
      ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol })),
    });
  }
  // A Service whose pods are all gone still has one (empty) slice, as kube keeps a placeholder.
  if (out.length === 0) out.push({ endpoints: [], ports: [] });
  return out;
}
