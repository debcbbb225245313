/**
 * The Node object and its Lease as kubelet writes them, from facts about the host (pure; the
 * facts are gathered in node-facts.ts). `kubectl get nodes` reads STATUS from the Ready condition
 * and VERSION from nodeInfo.kubeletVersion.
 */
import { jsonEqual } from '../../../apiserver/json-equal.js';

export const KUBELET_VERSION = 'v1.32.0-edgefed';
export const MAX_PODS = 110;
/** kubelet's default lease duration (the node controller's grace is 40 s too). */
export const LEASE_DURATION_SECONDS = 40;
export const LEASE_NAMESPACE = 'kube-node-lease';

/** kubelet's default hard eviction thresholds: memory.available < 100Mi, nodefs.available < 10%. */
const MEMORY_PRESSURE_BYTES = 100 * 1024 * 1024;
const DISK_PRESSURE_FRACTION = 0.1;

export interface NodeFacts {
  nodeName: string;
  nodeIp: string;
  hostname: string;
  cpus: number;
  memoryBytes: number;
  memoryAvailableBytes: number;
  /** Size and free space of the filesystem holding the data dir (undefined when unknown). */
  diskBytes?: number;
  diskAvailableBytes?: number;
  /** Go's GOOS / GOARCH names: linux, amd64, arm64... */
  os: string;
  arch: string;
  kernelVersion: string;
  osImage: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
  /** `<engine>://<version>`. */
  containerRuntimeVersion: string;
  /** Why the node is not ready (the engine cannot be reached), or undefined when it is. */
  notReadyMessage?: string;
}

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface NodeStatus {
  capacity?: Record<string, string>;
  allocatable?: Record<string, string>;
  conditions?: NodeCondition[];
  addresses?: { type: string; address: string }[];
  daemonEndpoints?: { kubeletEndpoint: { Port: number } };
  nodeInfo?: Record<string, string>;
  [key: string]: unknown;
}

/** Node.js's os.arch() in Go's GOARCH spelling (what kube labels and reports). */
export function goArch(nodeArch: string, littleEndian = true): string {
  switch (nodeArch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'ppc64':
      return littleEndian ? 'ppc64le' : 'ppc64';
    default:
      return nodeArch;
  }
}

export function nodeLabels(f: NodeFacts): Record<string, string> {
  return {
    'kubernetes.io/hostname': f.nodeName,
    'kubernetes.io/os': f.os,
    'kubernetes.io/arch': f.arch,
    'beta.kubernetes.io/os': f.os,
    'beta.kubernetes.io/arch': f.arch,
    'node-role.kubernetes.io/edge': '',
  };
}

function ki(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

function resources(f: NodeFacts): Record<string, string> {
  const r: Record<string, string> = {
    cpu: String(f.cpus),
    memory: ki(f.memoryBytes),
    pods: String(MAX_PODS),
  };
  if (f.diskBytes !== undefined) r['ephemeral-storage'] = ki(f.diskBytes);
  return r;
}

function cond(
  type: string,
  on: boolean,
  reason: string,
  message: string,
  previous: NodeCondition[] | undefined,
  now: string,
): NodeCondition {
  const status = on ? 'True' : 'False';
  const old = previous?.find((c) => c.type === type);
  return {
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: old?.status === status && old.lastTransitionTime ? old.lastTransitionTime : now,
  };
}

export function nodeStatus(f: NodeFacts, previous: NodeStatus | undefined, now: string): NodeStatus {
  const prev = previous?.conditions;
  const memPressure = f.memoryAvailableBytes < MEMORY_PRESSURE_BYTES;
  const diskPressure =
    f.diskBytes !== undefined &&
    f.diskAvailableBytes !== undefined &&
    f.diskAvailableBytes < f.diskBytes * DISK_PRESSURE_FRACTION;
  const ready = f.notReadyMessage === undefined;
  return {
    capacity: resources(f),
    allocatable: resources(f),
    conditions: [
      memPressure
        ? cond(
            'MemoryPressure',
            true,
            'KubeletHasInsufficientMemory',
            'kubelet has insufficient memory available',
            prev,
            now,
          )
        : cond(
            'MemoryPressure',
            false,
            'KubeletHasSufficientMemory',
            'kubelet has sufficient memory available',
            prev,
            now,
          ),
      diskPressure
        ? cond('DiskPressure', true, 'KubeletHasDiskPressure', 'kubelet has disk pressure', prev, now)
        : cond('DiskPressure', false, 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', prev, now),
      cond(
        'PIDPressure',
        false,
        'KubeletHasSufficientPID',
        'kubelet has sufficient PID available',
        prev,
        now,
      ),
      ready
        ? cond('Ready', true, 'KubeletReady', 'kubelet is posting ready status', prev, now)
        : cond('Ready', false, 'KubeletNotReady', f.notReadyMessage ?? '', prev, now),
    ],
    addresses: [
      { type: 'InternalIP', address: f.nodeIp },
      { type: 'Hostname', address: f.hostname },
    ],
    nodeInfo: {
      machineID: f.machineID,
      systemUUID: f.systemUUID,
      bootID: f.bootID,
      kernelVersion: f.kernelVersion,
      osImage: f.osImage,
      containerRuntimeVersion: f.containerRuntimeVersion,
      kubeletVersion: KUBELET_VERSION,
      operatingSystem: f.os,
      architecture: f.arch,
    },
  };
}

function withoutHeartbeats(s: NodeStatus | undefined): unknown {
  if (!s) return undefined;
  return {
    ...s,
    conditions: s.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined })),
  };
}

/**
 * Whether the status says something new (heartbeat times aside): kubelet writes the Node only then,
 * or every few minutes; the Lease is the heartbeat.
 */
export function nodeStatusChanged(current: NodeStatus | undefined, next: NodeStatus): boolean {
  const cur = withoutHeartbeats(current) as Record<string, unknown> | undefined;
  const nxt = withoutHeartbeats(next) as Record<string, unknown>;
  return Object.keys(nxt).some((k) => !jsonEqual(cur?.[k], nxt[k]));
}

export function leaseFor(
  nodeName: string,
  nodeUid: string | undefined,
  renewTime: string,
): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: nodeName, namespace: LEASE_NAMESPACE };
  if (nodeUid) metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }];
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata,
    spec: { holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime },
  };
}
