/**
 * The container-engine contract of the edge node runtime. Two engines implement it: the Docker
 * Engine API over a unix socket (Docker, or `podman system service`), and `simulated` (pods reach
 * Running without processes, like KWOK). The node runtime (agent/edge/node) is the only caller.
 *
 * Containers are found again after an agent restart by their labels, never by an in-memory table:
 * the engine is the source of truth for what runs, the site API for what should.
 */
import type { Readable, Writable } from 'node:stream';

/** Labels every container the runtime creates carries. */
export const LABELS = {
  /** The site (node) that owns the container: several sites may share one engine. */
  node: 'edgefed.io/node',
  podUid: 'edgefed.io/pod-uid',
  podNamespace: 'edgefed.io/pod-namespace',
  podName: 'edgefed.io/pod-name',
  container: 'edgefed.io/container',
  /** How many times this container (by pod uid + name) was started before this one. */
  attempt: 'edgefed.io/attempt',
} as const;

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export interface PortBinding {
  containerPort: number;
  hostPort?: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  hostIP?: string;
}

export interface ContainerSpec {
  /** Engine-wide unique name, e.g. `edgefed_<node>_<ns>_<pod>_<container>_<attempt>`. */
  name: string;
  image: string;
  /** Kubernetes `command` (replaces the image entrypoint). */
  command?: string[];
  /** Kubernetes `args` (replaces the image cmd). */
  args?: string[];
  env: { name: string; value: string }[];
  workingDir?: string;
  labels: Record<string, string>;
  hostNetwork: boolean;
  /** Published ports (ignored with host networking). */
  ports: PortBinding[];
  mounts: Mount[];
  resources: {
    /** Hard memory limit in bytes. */
    memoryBytes?: number;
    /** CPU limit in units of 1e-9 CPUs (Docker's NanoCpus). */
    nanoCpus?: number;
  };
  /** Run as this user (`uid` or `uid:gid`). */
  user?: string;
  tty?: boolean;
  stdin?: boolean;
  /** The node's process and IPC namespaces, and a privileged container (e.g. `kubectl debug node`). */
  hostPID?: boolean;
  hostIPC?: boolean;
  privileged?: boolean;
  /** resolv.conf (Docker's HostConfig Dns/DnsSearch/DnsOptions); none: the engine's default. */
  dns?: { servers: string[]; searches: string[]; options: string[] };
}

export type ContainerStatus = 'created' | 'running' | 'exited' | 'unknown';

/** What the engine reports about one container. */
export interface ObservedContainer {
  id: string;
  name: string;
  image: string;
  imageId?: string;
  labels: Record<string, string>;
  status: ContainerStatus;
  exitCode?: number;
  /** RFC 3339; absent when never started. */
  startedAt?: string;
  finishedAt?: string;
  oomKilled?: boolean;
  /** The engine's own error text (e.g. the OCI runtime failed to start the process). */
  error?: string;
  /** Process id while running (0 or absent otherwise). */
  pid?: number;
  /** The container's own IP address (bridge networking); absent with host networking. */
  ip?: string;
}

export type EngineErrorReason =
  /** The image is not present and could not be pulled. */
  | 'ErrImagePull'
  /** The image name is not a valid reference. */
  | 'InvalidImageName'
  /** The engine refused the container configuration. */
  | 'CreateContainerError'
  /** The container was created but its process could not start (e.g. the command does not exist). */
  | 'RunContainerError'
  | 'NotFound'
  /** The engine cannot be reached. */
  | 'EngineUnavailable'
  /** The engine cannot do this at all (the simulated engine runs no processes). */
  | 'NotSupported'
  | 'EngineError';

/** Why the simulated engine refuses exec, attach and port-forward. */
export const SIMULATED_NO_PROCESSES = 'the simulated engine runs no processes';
export const ENGINE_HINT = '--engine unix:///run/podman/podman.sock or another Docker Engine API socket';

export class EngineError extends Error {
  constructor(
    readonly reason: EngineErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  /** Stop following when this fires (the client went away). */
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  /** stdout and stderr, interleaved, capped in size. */
  output: string;
}

/** An interactive exec or attach: the process's streams as the engine hijacked them. */
export interface InteractiveSession {
  /** Present when stdin was asked for; end() closes the process's stdin. */
  stdin?: Writable;
  stdout: Readable;
  /** Absent with a TTY: the terminal is one stream. */
  stderr?: Readable;
  /** The terminal size (TTY only). */
  resize(width: number, height: number): Promise<void>;
  /** Resolves once the output ended: the exit code for an exec, undefined for an attach. */
  wait(): Promise<number | undefined>;
  /** Tears the connection down (the client left). */
  close(): void;
}

export interface InteractiveOptions {
  stdin: boolean;
  tty: boolean;
}

export interface EngineInfo {
  /** `docker`, `podman` or `simulated`. */
  name: string;
  version: string;
  apiVersion?: string;
  os?: string;
  arch?: string;
}

/** Something happened to a container: the runtime looks at that pod now rather than at its next poll. */
export interface EngineEvent {
  containerId: string;
  labels: Record<string, string>;
  /** Engine action: `start`, `die`, `destroy`, `oom`... */
  action: string;
}

export interface ContainerEngine {
  info(): Promise<EngineInfo>;
  /** True when the image is present locally. */
  imagePresent(image: string): Promise<boolean>;
  /** Pull the image; throws EngineError('ErrImagePull' | 'InvalidImageName') with the engine's message. */
  pullImage(image: string, signal?: AbortSignal): Promise<void>;
  /** Create (not start); returns the container id. */
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after the grace period. Stopping a stopped container is not an error. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /** Force-remove; removing a missing container is not an error. */
  removeContainer(id: string): Promise<void>;
  /** Every container (running or not) whose labels include all of `labels`. */
  listContainers(labels: Record<string, string>): Promise<ObservedContainer[]>;
  inspectContainer(id: string): Promise<ObservedContainer | undefined>;
  /** Run a command in a running container (exec probes); rejects on timeout. */
  exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult>;
  /** Start a command in a running container with its streams attached (kubectl exec). */
  execInteractive(id: string, command: string[], opts: InteractiveOptions): Promise<InteractiveSession>;
  /** Attach to the container's main process (kubectl attach). */
  attach(id: string, opts: InteractiveOptions): Promise<InteractiveSession>;
  /** The container's output as plain text (stdout and stderr demultiplexed, in order). */
  logs(id: string, opts: LogOptions): Promise<Readable>;
  /** Subscribe to container events; returns the unsubscribe function. Best effort: the runtime also polls. */
  onEvent(listener: (e: EngineEvent) => void): () => void;
  close(): Promise<void>;
}
