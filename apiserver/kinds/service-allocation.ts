/**
 * Cluster IPs and node ports for Services, as kube-apiserver's service REST storage hands them out:
 * a requested value is checked against the range and taken or refused (422 naming the field), a
 * missing one is picked at random from the range; an update keeps what the Service already had.
 */
import { errors } from '../errors.js';
import type { StatusCause } from '../../api/kubernetes.js';
import { allocatableOffsets, formatIpv4, inRange, parseCidr, parseIpv4, type Ipv4Range } from './cidr.js';
import { scanFrom, type AllocationOwner, type ServiceAllocator } from './allocator.js';
import { defaultService, validateService } from './service-defaults.js';
import {
  DEFAULT_NODE_PORT_RANGE,
  needsClusterIP,
  needsNodePorts,
  type NodePortRange,
  type ServiceObject,
  type ServicePortSpec,
  type ServiceSpecFields,
} from './service-types.js';

export interface ServiceAllocationEnv {
  allocator: ServiceAllocator;
  range: Ipv4Range;
  nodePorts: NodePortRange;
  random?: () => number;
}

const usesIP = (s: ServiceObject, ip: string) =>
  s.spec?.clusterIP === ip || (s.spec?.clusterIPs ?? []).includes(ip);
const usesPort = (s: ServiceObject, port: string) =>
  (s.spec?.ports ?? []).some((p) => String(p.nodePort) === port) ||
  String(s.spec?.healthCheckNodePort) === port;

export function serviceRange(cidr: string | undefined): Ipv4Range {
  return parseCidr(cidr ?? '10.96.0.0/12');
}

export { DEFAULT_NODE_PORT_RANGE };

function fail(svc: ServiceObject, causes: StatusCause[]): never {
  throw errors.invalid('Service', '', String(svc.metadata.name ?? ''), causes);
}

const samePort = (a: ServicePortSpec, b: ServicePortSpec) =>
  a.port === b.port && (a.protocol ?? 'TCP') === (b.protocol ?? 'TCP');

/**
 * kube's patchAllocatedValues and dropTypeDependentFields: a PUT that leaves out what was allocated
 * keeps it; a type change that no longer needs node ports drops the ones that were allocated.
 */
export function carryAllocatedValues(spec: ServiceSpecFields, old: ServiceSpecFields | undefined): void {
  if (!old) return;
  if (needsClusterIP(spec) && needsClusterIP(old) && old.clusterIP && !spec.clusterIP) {
    spec.clusterIP = old.clusterIP;
    spec.clusterIPs ??= old.clusterIPs;
  }
  if (!needsClusterIP(spec)) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    delete spec.ipFamilies;
    delete spec.ipFamilyPolicy;
  }
  if (needsNodePorts(spec) && needsNodePorts(old)) {
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue;
      const was = (old.ports ?? []).find((o) => samePort(o, p) || (p.name && o.name === p.name));
      if (was?.nodePort) p.nodePort = was.nodePort;
    }
  }
  if (!needsNodePorts(spec) && needsNodePorts(old) && spec.type !== 'LoadBalancer') {
    const oldPorts = new Set((old.ports ?? []).map((p) => p.nodePort));
    for (const p of spec.ports ?? []) if (p.nodePort && oldPorts.has(p.nodePort)) delete p.nodePort;
  }
}

/** Defaults, validates and allocates; throws 422 Invalid with kube's field names and messages. */
export async function prepareService(
  env: ServiceAllocationEnv,
  svc: ServiceObject,
  old: ServiceObject | undefined,
  dryRun: boolean,
): Promise<void> {
  defaultService(svc);
  const spec = svc.spec as ServiceSpecFields;
  carryAllocatedValues(spec, old?.spec);
  const causes = validateService(svc);
  if (old?.spec?.clusterIP && spec.clusterIP && needsClusterIP(old.spec) && needsClusterIP(spec)) {
    if (old.spec.clusterIP !== spec.clusterIP)
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'spec.clusterIPs[0]',
        message: `Invalid value: ${JSON.stringify(spec.clusterIP)}: may not change once set`,
      });
  }
  if (causes.length) fail(svc, causes);
  const owner: AllocationOwner = {
    namespace: String(svc.metadata.namespace ?? ''),
    name: String(svc.metadata.name ?? ''),
    uid: String(svc.metadata.uid ?? ''),
  };
  if (needsClusterIP(spec)) await allocateClusterIP(env, svc, spec, old?.spec, owner, dryRun);
  if (needsNodePorts(spec)) await allocateNodePorts(env, svc, spec, old?.spec, owner, dryRun);
}

async function allocateClusterIP(
  env: ServiceAllocationEnv,
  svc: ServiceObject,
  spec: ServiceSpecFields,
  old: ServiceSpecFields | undefined,
  owner: AllocationOwner,
  dryRun: boolean,
): Promise<void> {
  const requested = spec.clusterIP;
  if (requested === 'None') {
    spec.clusterIPs = ['None'];
  } else if (requested && requested === old?.clusterIP) {
    // Held since it was allocated.
  } else if (requested) {
    const failed = (detail: string) =>
      fail(svc, [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.clusterIPs',
          message: `Invalid value: ${JSON.stringify([requested])}: failed to allocate IP ${requested}: ${detail}`,
        },
      ]);
    if (!inRange(env.range, requested))
      failed(
        `the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${env.range.cidr}`,
      );
    const ok = await env.allocator.claim('serviceips', requested, owner, usesIP, dryRun);
    if (!ok) failed('provided IP is already allocated');
  } else {
    const { first, count } = allocatableOffsets(env.range);
    const start = Math.floor((env.random ?? Math.random)() * count);
    const ip = await env.allocator.claimAny(
      'serviceips',
      scanFrom(first, count, start, (o) => formatIpv4(env.range.base + o)),
      owner,
      usesIP,
      dryRun,
    );
    if (!ip) throw errors.internal('failed to allocate a serviceIP: range is full');
    spec.clusterIP = ip;
  }
  spec.clusterIPs = [spec.clusterIP as string];
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
  if (spec.clusterIP !== 'None' && parseIpv4(spec.clusterIP as string) === undefined)
    throw errors.internal(`allocated an invalid cluster IP ${String(spec.clusterIP)}`);
}

async function allocateNodePorts(
  env: ServiceAllocationEnv,
  svc: ServiceObject,
  spec: ServiceSpecFields,
  old: ServiceSpecFields | undefined,
  owner: AllocationOwner,
  dryRun: boolean,
): Promise<void> {
  const ports = spec.ports ?? [];
  const held = new Set((old?.ports ?? []).map((p) => p.nodePort).filter((n) => n));
  const { min, max } = env.nodePorts;
  const causes: StatusCause[] = [];
  for (const [i, p] of ports.entries()) {
    if (!p.nodePort || held.has(p.nodePort)) continue;
    const field = `spec.ports[${i}].nodePort`;
    const bad = (detail: string) =>
      causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${p.nodePort}: ${detail}` });
    if (!Number.isInteger(p.nodePort) || p.nodePort < min || p.nodePort > max) {
      bad(`provided port is not in the valid range. The range of valid ports is ${min}-${max}`);
    } else if (
      !(await env.allocator.claim('servicenodeports', String(p.nodePort), owner, usesPort, dryRun))
    ) {
      bad('provided port is already allocated');
    }
  }
  if (causes.length) fail(svc, causes);
  const inThisService = new Set(ports.map((p) => p.nodePort).filter((n) => n));
  for (const p of ports) {
    if (p.nodePort) continue;
    const count = max - min + 1;
    const start = Math.floor((env.random ?? Math.random)() * count);
    const candidates = (function* () {
      for (const v of scanFrom(min, count, start, String)) if (!inThisService.has(Number(v))) yield v;
    })();
    const port = await env.allocator.claimAny('servicenodeports', candidates, owner, usesPort, dryRun);
    if (!port) throw errors.internal('failed to allocate a nodePort: range is full');
    p.nodePort = Number(port);
    inThisService.add(p.nodePort);
  }
}
