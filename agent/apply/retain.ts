/**
 * kubefed's field retention: what an update keeps from the object already in the member cluster,
 * because the member (its API server, controllers, users) owns it. Pure; inputs are not mutated.
 *
 * - metadata.resourceVersion (so the PUT is a compare-and-swap), finalizers;
 * - annotations the member added (present in the member, absent from the manifest);
 * - Service: spec.clusterIP, spec.clusterIPs, spec.healthCheckNodePort, and ports[].nodePort of
 *   each manifest port with the same name, protocol and port (allocated by the member);
 * - spec.replicas when the Work says retainReplicas (an HPA in the member owns it).
 */
import type { KubeObject } from '../../api/kubernetes.js';
import { MANAGED_LABEL } from '../../api/federation.js';

type Json = Record<string, unknown>;

export interface RetainOptions {
  retainReplicas?: boolean;
}

/** The object to send: the manifest with the managed label, plus what is retained from `member`. */
export function desiredObject(
  manifest: KubeObject,
  member: KubeObject | undefined,
  opts: RetainOptions = {},
): KubeObject {
  const out = structuredClone(manifest) as KubeObject & Json;
  delete out.status;
  const meta = { ...out.metadata };
  for (const k of ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields'] as const)
    delete meta[k];
  meta.labels = { ...(meta.labels ?? {}), [MANAGED_LABEL]: 'true' };
  out.metadata = meta;
  if (!member) return out;

  const m = member.metadata;
  if (m.resourceVersion) meta.resourceVersion = m.resourceVersion;
  if (m.finalizers && m.finalizers.length > 0) meta.finalizers = [...m.finalizers];
  const memberAnnotations = m.annotations ?? {};
  const added = Object.fromEntries(
    Object.entries(memberAnnotations).filter(([k]) => !(k in (meta.annotations ?? {}))),
  );
  if (Object.keys(added).length > 0) meta.annotations = { ...added, ...(meta.annotations ?? {}) };

  const memberSpec = asRecord((member as Json).spec);
  if (out.kind === 'Service' && isCoreGroup(out.apiVersion) && memberSpec) {
    const spec = (asRecord(out.spec) ?? {}) as Json;
    out.spec = spec;
    retainServiceFields(spec, memberSpec);
  }
  if (opts.retainReplicas && memberSpec && memberSpec.replicas !== undefined) {
    const spec = (asRecord(out.spec) ?? {}) as Json;
    out.spec = spec;
    spec.replicas = memberSpec.replicas;
  }
  return out;
}

function retainServiceFields(spec: Json, member: Json): void {
  if (typeof member.clusterIP === 'string' && member.clusterIP !== '') spec.clusterIP = member.clusterIP;
  if (Array.isArray(member.clusterIPs) && member.clusterIPs.length > 0)
    spec.clusterIPs = structuredClone(member.clusterIPs);
  if (member.healthCheckNodePort !== undefined && spec.healthCheckNodePort === undefined)
    spec.healthCheckNodePort = member.healthCheckNodePort;
  const memberPorts = Array.isArray(member.ports) ? member.ports.map(asRecord) : [];
  if (!Array.isArray(spec.ports)) return;
  spec.ports = spec.ports.map((p: unknown) => {
    const port = asRecord(p);
    if (!port || port.nodePort !== undefined) return p;
    const match = memberPorts.find((mp) => mp !== undefined && samePort(port, mp));
    return match?.nodePort !== undefined ? { ...port, nodePort: match.nodePort } : p;
  });
}

/** kubefed's port identity: name, protocol (TCP when unset) and port. */
function samePort(a: Json, b: Json): boolean {
  return (
    (a.name ?? '') === (b.name ?? '') && (a.protocol ?? 'TCP') === (b.protocol ?? 'TCP') && a.port === b.port
  );
}

function isCoreGroup(apiVersion: string | undefined): boolean {
  return apiVersion === 'v1';
}

function asRecord(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}
