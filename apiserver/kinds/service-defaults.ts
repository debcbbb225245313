/**
 * Service defaulting and validation as kube-apiserver does them (pkg/apis/core/v1/defaults.go and
 * validation.ValidateService), for the fields that do not need the allocator.
 */
import type { StatusCause } from '../../api/kubernetes.js';
import { parseIpv4 } from './cidr.js';
import {
  SERVICE_TYPES,
  needsNodePorts,
  type ServiceObject,
  type ServiceSpecFields,
} from './service-types.js';

export function defaultService(svc: ServiceObject): void {
  const spec: ServiceSpecFields = (svc.spec ??= {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.clusterIP === undefined && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
  if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    // targetPort defaults to port (kube: SetDefaults_Service).
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
}

const quoted = (v: unknown) => JSON.stringify(v);

function invalid(field: string, value: unknown, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${quoted(value)}: ${detail}` };
}

function required(field: string): StatusCause {
  return { reason: 'FieldValueRequired', field, message: 'Required value' };
}

function unsupported(field: string, value: unknown, allowed: readonly string[]): StatusCause {
  return {
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${quoted(value)}: supported values: ${allowed.map(quoted).join(', ')}`,
  };
}

/** Rules that need no allocator state; allocation conflicts are found in service-allocation.ts. */
export function validateService(svc: ServiceObject): StatusCause[] {
  const spec = svc.spec ?? {};
  const causes: StatusCause[] = [];
  const type = spec.type ?? 'ClusterIP';
  if (!(SERVICE_TYPES as readonly string[]).includes(type)) {
    causes.push(unsupported('spec.type', type, SERVICE_TYPES));
    return causes;
  }
  if (!['None', 'ClientIP'].includes(spec.sessionAffinity ?? 'None'))
    causes.push(unsupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  if (type === 'ExternalName') {
    if (!spec.externalName) causes.push(required('spec.externalName'));
  } else if (!spec.ports?.length && spec.clusterIP !== 'None') {
    causes.push(required('spec.ports'));
  }
  const ip = spec.clusterIP;
  if (ip !== undefined && ip !== '' && ip !== 'None' && parseIpv4(ip) === undefined)
    causes.push(invalid('spec.clusterIPs[0]', ip, "must be empty, 'None', or a valid IP address"));
  if (ip === 'None' && (type === 'NodePort' || type === 'LoadBalancer'))
    causes.push(invalid('spec.clusterIPs[0]', ip, `may not be set to 'None' for ${type} services`));
  causes.push(...validatePorts(spec, type));
  return causes;
}

function validatePorts(spec: ServiceSpecFields, type: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const ports = spec.ports ?? [];
  const names = new Set<string>();
  const portProto = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const f = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) causes.push(required(`${f}.name`));
    if (p.name) {
      if (names.has(p.name))
        causes.push({
          reason: 'FieldValueDuplicate',
          field: `${f}.name`,
          message: `Duplicate value: ${quoted(p.name)}`,
        });
      names.add(p.name);
    }
    if (!Number.isInteger(p.port) || (p.port ?? 0) < 1 || (p.port ?? 0) > 65535)
      causes.push(invalid(`${f}.port`, p.port ?? 0, 'must be between 1 and 65535, inclusive'));
    if (!['TCP', 'UDP', 'SCTP'].includes(p.protocol ?? 'TCP'))
      causes.push(unsupported(`${f}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
    const pp = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (portProto.has(pp))
      causes.push({
        reason: 'FieldValueDuplicate',
        field: f,
        message: `Duplicate value: ${quoted({ port: p.port, protocol: p.protocol ?? 'TCP' })}`,
      });
    portProto.add(pp);
    if (typeof p.targetPort === 'number' && (p.targetPort < 1 || p.targetPort > 65535))
      causes.push(invalid(`${f}.targetPort`, p.targetPort, 'must be between 1 and 65535, inclusive'));
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (!needsNodePorts({ ...spec, type }) && type !== 'LoadBalancer') {
        causes.push({
          reason: 'FieldValueForbidden',
          field: `${f}.nodePort`,
          message: `Forbidden: may not be used when \`type\` is '${type}'`,
        });
      }
      const np = `${p.nodePort}/${p.protocol ?? 'TCP'}`;
      if (nodePorts.has(np))
        causes.push({
          reason: 'FieldValueDuplicate',
          field: `${f}.nodePort`,
          message: `Duplicate value: ${quoted(p.nodePort)}`,
        });
      nodePorts.add(np);
    }
  });
  return causes;
}
