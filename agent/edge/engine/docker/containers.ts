/** The engine's container JSON: the wire types, the create body, and the mapping to ObservedContainer. */
import type { ContainerSpec, ContainerStatus, ObservedContainer } from '../engine.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface DockerState {
  Status?: string;
  Running?: boolean;
  OOMKilled?: boolean;
  Pid?: number;
  ExitCode?: number;
  Error?: string;
  StartedAt?: string;
  FinishedAt?: string;
}

export interface DockerNetworks {
  IPAddress?: string;
  Networks?: Record<string, { IPAddress?: string }> | null;
}

export interface DockerListEntry {
  Id: string;
  Names?: string[];
  Image?: string;
  ImageID?: string;
  Labels?: Record<string, string> | null;
  State?: string | DockerState;
  Status?: string;
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: DockerNetworks | null;
}

export interface DockerInspect {
  Id: string;
  Name?: string;
  Image?: string;
  Config?: { Image?: string; Labels?: Record<string, string> | null; Tty?: boolean };
  State?: DockerState;
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: DockerNetworks | null;
}

export function createBody(spec: ContainerSpec): Record<string, unknown> {
  const portKey = (p: ContainerSpec['ports'][number]): string =>
    `${p.containerPort}/${p.protocol.toLowerCase()}`;
  const ports = spec.hostNetwork ? [] : spec.ports;
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  // Like Kubernetes, a containerPort alone is reachable on the container's IP; only a hostPort publishes.
  for (const p of ports) {
    if (p.hostPort === undefined) continue;
    (bindings[portKey(p)] ??= []).push({ HostIp: p.hostIP ?? '', HostPort: String(p.hostPort) });
  }
  const host: Record<string, unknown> = {
    NetworkMode: spec.hostNetwork ? 'host' : 'bridge',
    PortBindings: bindings,
    Binds: spec.mounts.map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`),
    // The node runtime restarts containers itself (new container per attempt, with backoff).
    RestartPolicy: { Name: 'no' },
  };
  if (spec.resources.memoryBytes !== undefined) {
    host.Memory = spec.resources.memoryBytes;
    // Otherwise the engine allows as much swap again, and a container over its limit swaps instead of OOMing.
    host.MemorySwap = spec.resources.memoryBytes;
  }
  if (spec.resources.nanoCpus !== undefined) host.NanoCpus = spec.resources.nanoCpus;
  if (spec.hostPID) host.PidMode = 'host';
  if (spec.hostIPC) host.IpcMode = 'host';
  if (spec.privileged) host.Privileged = true;
  if (spec.dns && !spec.hostNetwork) {
    host.Dns = spec.dns.servers;
    host.DnsSearch = spec.dns.searches;
    host.DnsOptions = spec.dns.options;
  }
  // Kubernetes treats empty lists as unset, and a command without args drops the image's cmd too
  // (an explicit empty Cmd does that; an empty Entrypoint would instead drop the image's entrypoint).
  const command = spec.command?.length ? spec.command : undefined;
  const args = spec.args?.length ? spec.args : undefined;
  return {
    Image: spec.image,
    Entrypoint: command,
    Cmd: args ?? (command ? [] : undefined),
    Env: spec.env.map((e) => `${e.name}=${e.value}`),
    WorkingDir: spec.workingDir,
    Labels: spec.labels,
    User: spec.user,
    Tty: spec.tty ?? false,
    OpenStdin: spec.stdin ?? false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ExposedPorts: Object.fromEntries(ports.map((p) => [portKey(p), {}])),
    HostConfig: host,
  };
}

export function fromInspect(c: DockerInspect): ObservedContainer {
  const s = c.State ?? {};
  const status = mapStatus(s.Status);
  const hostNetwork = c.HostConfig?.NetworkMode === 'host';
  return {
    id: c.Id,
    name: (c.Name ?? '').replace(/^\//, ''),
    image: c.Config?.Image ?? c.Image ?? '',
    imageId: c.Image,
    labels: { ...(c.Config?.Labels ?? {}) },
    status,
    exitCode: status === 'exited' ? s.ExitCode : undefined,
    startedAt: timeOf(s.StartedAt),
    finishedAt: status === 'exited' ? timeOf(s.FinishedAt) : undefined,
    oomKilled: s.OOMKilled ?? undefined,
    error: s.Error || undefined,
    pid: status === 'running' && s.Pid ? s.Pid : undefined,
    ip: hostNetwork ? undefined : ipOf(c.NetworkSettings),
  };
}

function mapStatus(state: string | undefined): ContainerStatus {
  switch (state) {
    case 'running':
    case 'paused':
    case 'restarting':
    case 'stopping':
      return 'running';
    case 'created':
    case 'configured':
    case 'initialized':
      return 'created';
    // `stopped`: podman's state between the process exiting and its cleanup.
    case 'exited':
    case 'dead':
    case 'stopped':
      return 'exited';
    default:
      return 'unknown';
  }
}

function timeOf(t: string | undefined): string | undefined {
  return !t || t === ZERO_TIME || t.startsWith('0001-') ? undefined : t;
}

function ipOf(n: DockerNetworks | null | undefined): string | undefined {
  if (n?.IPAddress) return n.IPAddress;
  for (const net of Object.values(n?.Networks ?? {})) if (net.IPAddress) return net.IPAddress;
  return undefined;
}
