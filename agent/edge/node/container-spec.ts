/**
 * What the engine is asked to create for one attempt of one container of a pod. The name and labels
 * are how the runtime finds the container again after an agent restart: the attempt in both gives
 * the restartCount back without any local state.
 */
import { LABELS, type ContainerSpec, type PortBinding } from '../engine/engine.js';
import { expand, resolveEnv, type EnvContext, type Result } from './env.js';
import { memoryBytes, nanoCpus } from './quantity.js';
import type { Container } from '../../../api/core.js';
import { mountsFor } from './volumes.js';

export interface ContainerSpecInput extends EnvContext {
  container: Container;
  attempt: number;
  nodeName: string;
  /** Where pod volumes live (`<dataDir>/pods/<uid>/volumes/<name>`). */
  dataDir: string;
  /** The site's cluster DNS address (pods' nameserver under ClusterFirst); none: the engine's default. */
  clusterDns?: string;
}

interface PodDnsFields {
  dnsPolicy?: string;
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] };
  hostNetwork?: boolean;
}

export const CLUSTER_DOMAIN = 'cluster.local';

/**
 * The pod's resolv.conf as kubelet writes it (pure): ClusterFirst (the default) → the cluster DNS,
 * kube's search path and ndots:5; a host-network pod under ClusterFirst, or Default, keeps the
 * node's resolv.conf (undefined); ClusterFirstWithHostNet is ClusterFirst for host-network pods too;
 * None → dnsConfig alone. dnsConfig is merged in for every policy but Default-like ones.
 */
export function podDns(
  namespace: string,
  spec: PodDnsFields,
  clusterDns: string | undefined,
): ContainerSpec['dns'] {
  const policy = spec.dnsPolicy ?? 'ClusterFirst';
  const cfg = spec.dnsConfig ?? {};
  const extra = {
    servers: cfg.nameservers ?? [],
    searches: cfg.searches ?? [],
    options: (cfg.options ?? []).map((o) => (o.value !== undefined ? `${o.name}:${o.value}` : o.name)),
  };
  if (policy === 'None') return extra;
  const clusterFirst =
    policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !spec.hostNetwork);
  if (!clusterFirst || !clusterDns) return spec.dnsConfig ? extra : undefined;
  const merge = (a: string[], b: string[]): string[] => [...new Set([...a, ...b])];
  const options = new Map<string, string>([['ndots', 'ndots:5']]);
  for (const o of extra.options) options.set(o.split(':')[0], o);
  return {
    servers: merge([clusterDns], extra.servers).slice(0, 3),
    searches: merge(
      [`${namespace}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN],
      extra.searches,
    ),
    options: [...options.values()],
  };
}

export function containerName(
  node: string,
  ns: string,
  pod: string,
  container: string,
  attempt: number,
): string {
  return `edgefed_${node}_${ns}_${pod}_${container}_${attempt}`;
}

export function containerLabels(
  nodeName: string,
  pod: { namespace?: string; name?: string; uid?: string },
  container: string,
  attempt: number,
): Record<string, string> {
  return {
    [LABELS.node]: nodeName,
    [LABELS.podUid]: pod.uid ?? '',
    [LABELS.podNamespace]: pod.namespace ?? '',
    [LABELS.podName]: pod.name ?? '',
    [LABELS.container]: container,
    [LABELS.attempt]: String(attempt),
  };
}

/** The attempt a container was created as (its label), -1 when unreadable. */
export function attemptOf(labels: Record<string, string>): number {
  const n = Number(labels[LABELS.attempt]);
  return Number.isInteger(n) && n >= 0 ? n : -1;
}

function ports(c: Container): PortBinding[] {
  return (c.ports ?? [])
    .filter((p) => p.hostPort !== undefined && p.hostPort > 0)
    .map((p) => {
      const b: PortBinding = {
        containerPort: p.containerPort,
        hostPort: p.hostPort,
        protocol: p.protocol ?? 'TCP',
      };
      if (p.hostIP) b.hostIP = p.hostIP;
      return b;
    });
}

export function containerSpecFor(input: ContainerSpecInput): Result<ContainerSpec> {
  const { pod, container: c } = input;
  if (!c.image) return { ok: false, message: `container ${c.name}: no image` };
  const env = resolveEnv(c, input);
  if (!env.ok) return env;
  const mounts = mountsFor(pod, c, input.dataDir);
  if (!mounts.ok) return mounts;
  const vars = new Map(env.value.map((e) => [e.name, e.value]));
  const lookup = (n: string): string | undefined => vars.get(n);
  const resources: ContainerSpec['resources'] = {};
  try {
    const limits = c.resources?.limits ?? {};
    if (limits.memory !== undefined) resources.memoryBytes = memoryBytes(limits.memory);
    if (limits.cpu !== undefined) resources.nanoCpus = nanoCpus(limits.cpu);
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
  const uid = c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
  const gid = c.securityContext?.runAsGroup ?? pod.spec.securityContext?.runAsGroup;
  const meta = pod.metadata;
  const spec: ContainerSpec = {
    name: containerName(input.nodeName, meta.namespace ?? '', meta.name ?? '', c.name, input.attempt),
    image: c.image,
    env: env.value,
    labels: containerLabels(input.nodeName, meta, c.name, input.attempt),
    hostNetwork: Boolean(pod.spec.hostNetwork),
    ports: ports(c),
    mounts: mounts.value,
    resources,
  };
  if (c.command) spec.command = c.command.map((a) => expand(a, lookup));
  if (c.args) spec.args = c.args.map((a) => expand(a, lookup));
  if (c.workingDir) spec.workingDir = c.workingDir;
  if (uid !== undefined) spec.user = gid !== undefined ? `${uid}:${gid}` : String(uid);
  if (c.tty) spec.tty = true;
  if (c.stdin) spec.stdin = true;
  if (pod.spec.hostPID) spec.hostPID = true;
  if (pod.spec.hostIPC) spec.hostIPC = true;
  if (c.securityContext?.privileged) spec.privileged = true;
  const dns = podDns(meta.namespace ?? '', pod.spec as PodDnsFields, input.clusterDns);
  if (dns) spec.dns = dns;
  return { ok: true, value: spec };
}
