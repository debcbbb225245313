/**
 * A Service's load-balancer status at an edge site (pure). The node's address is where a service
 * is reached there (workloads use hostNetwork/hostPort; there is no cluster IP to route), and the
 * hub's multi-cluster DNS reads it from status.loadBalancer.ingress as it would a cloud LB's.
 */
import { jsonEqual } from '../../../../apiserver/json-equal.js';
import type { LoadBalancerIngress, Service } from '../types.js';

/** Whether the site publishes an address for the Service: not ExternalName (a DNS alias), not headless. */
export function servesNodeAddress(svc: Service): boolean {
  return svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== 'None';
}

/** The ingress list the Service should report; [] for the Services that get none. */
export function serviceIngressFor(svc: Service, nodeIp: string): LoadBalancerIngress[] {
  if (!servesNodeAddress(svc)) return [];
  const ingress: LoadBalancerIngress = { ip: nodeIp };
  const ports = (svc.spec?.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' }));
  if (ports.length > 0) ingress.ports = ports;
  return [ingress];
}

/** The status to write, or undefined when the current one is already right. */
export function serviceStatusUpdate(svc: Service, nodeIp: string): Service['status'] | undefined {
  const want = serviceIngressFor(svc, nodeIp);
  const have = svc.status?.loadBalancer?.ingress ?? [];
  if (jsonEqual(want, have)) return undefined;
  return { ...(svc.status ?? {}), loadBalancer: want.length > 0 ? { ingress: want } : {} };
}
