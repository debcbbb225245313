/** The parts of a core/v1 Service the API server defaults, validates and allocates. */
import type { KubeObject } from '../../api/kubernetes.js';

export interface ServicePortSpec {
  name?: string;
  port?: number;
  targetPort?: number | string;
  protocol?: string;
  nodePort?: number;
  [key: string]: unknown;
}

export interface ServiceSpecFields {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  ports?: ServicePortSpec[];
  selector?: Record<string, string>;
  sessionAffinity?: string;
  externalName?: string;
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
  allocateLoadBalancerNodePorts?: boolean;
  healthCheckNodePort?: number;
  [key: string]: unknown;
}

export interface ServiceObject extends KubeObject {
  spec?: ServiceSpecFields;
}

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;

export function needsClusterIP(spec: ServiceSpecFields): boolean {
  return spec.type !== 'ExternalName';
}

export function needsNodePorts(spec: ServiceSpecFields): boolean {
  return (
    spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false)
  );
}

export function isHeadless(spec: ServiceSpecFields): boolean {
  return spec.clusterIP === 'None';
}

export interface NodePortRange {
  min: number;
  max: number;
}

export const DEFAULT_NODE_PORT_RANGE: NodePortRange = { min: 30000, max: 32767 };

/** What an API server allocates Services from (ApiServerOptions). */
export interface ServiceAllocationOptions {
  /** kube-apiserver's --service-cluster-ip-range (default 10.96.0.0/12). */
  serviceCIDR?: string;
  /** kube-apiserver's --service-node-port-range (default 30000-32767). */
  nodePortRange?: NodePortRange;
}
