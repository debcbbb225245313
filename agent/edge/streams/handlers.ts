/**
 * pods/exec, pods/attach and pods/portforward on the site API, answered by the container engine:
 * the protocol side (WebSocket channels, SPDY port-forward) is the API server's; this finds the
 * pod's running container by its labels and hands the engine's streams over.
 */
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errors, ApiError } from '../../../apiserver/errors.js';
import {
  destroyUpgraded,
  routeUpgrades,
  type ConnectHandler,
  type ConnectRequest,
} from '../../../apiserver/server/connect.js';
import {
  channelUpgrade,
  parseStreamOptions,
  requireChannelUpgrade,
  type RemoteProcess,
} from '../../../apiserver/server/streams/remotecommand.js';
import {
  parsePorts,
  portForwardUpgrade,
  requirePortForwardUpgrade,
} from '../../../apiserver/server/streams/portforward.js';
import {
  EngineError,
  LABELS,
  type ContainerEngine,
  type InteractiveSession,
  type ObservedContainer,
} from '../engine/engine.js';

const DIAL_TIMEOUT_MS = 10_000;

export interface StreamDeps {
  engine: ContainerEngine;
  nodeName: string;
}

/** The running containers of a pod, newest attempt first. */
async function runningContainers(d: StreamDeps, req: ConnectRequest): Promise<ObservedContainer[]> {
  const namespace = req.namespace ?? 'default';
  const list = await d.engine.listContainers({
    [LABELS.node]: d.nodeName,
    [LABELS.podNamespace]: namespace,
    [LABELS.podName]: req.name,
  });
  if (list.length === 0) throw errors.notFound('pods', '', req.name);
  const attempt = (c: ObservedContainer): number => Number(c.labels[LABELS.attempt] ?? 0);
  return list.filter((c) => c.status === 'running').sort((a, b) => attempt(b) - attempt(a));
}

/** Picks the container kubectl named (it always names one); with a single container, that one. */
export function pickContainer(
  running: ObservedContainer[],
  wanted: string | undefined,
  pod: string,
): ObservedContainer {
  const names = [...new Set(running.map((c) => c.labels[LABELS.container]))];
  const name = wanted ?? (names.length === 1 ? names[0] : undefined);
  if (name === undefined)
    throw errors.badRequest(
      `a container name must be specified for pod ${pod}, choose one of: [${names.sort().join(' ')}]`,
    );
  const c = running.find((x) => x.labels[LABELS.container] === name);
  if (!c) throw errors.badRequest(`container ${name} is not valid for pod ${pod} or is not running`);
  return c;
}

function asApiError(e: unknown): Error {
  if (e instanceof ApiError) return e;
  if (e instanceof EngineError) {
    if (e.reason === 'NotSupported') return errors.badRequest(e.message);
    if (e.reason === 'NotFound') return errors.badRequest(e.message);
  }
  return e as Error;
}

function asRemote(s: InteractiveSession): RemoteProcess {
  return {
    stdin: s.stdin,
    stdout: s.stdout,
    stderr: s.stderr,
    resize: (w, h) => void s.resize(w, h),
    wait: () => s.wait(),
    close: () => s.close(),
  };
}

function interactiveHandler(d: StreamDeps, kind: 'exec' | 'attach'): ConnectHandler {
  return async (req) => {
    const opts = parseStreamOptions(req.query, kind === 'exec');
    requireChannelUpgrade(req);
    const c = pickContainer(await runningContainers(d, req), opts.container, req.name);
    // The engine is asked before the upgrade: the simulated engine's refusal is a plain Status.
    const start = (): Promise<InteractiveSession> =>
      kind === 'exec'
        ? d.engine.execInteractive(c.id, opts.command, { stdin: opts.stdin, tty: opts.tty })
        : d.engine.attach(c.id, { stdin: opts.stdin, tty: opts.tty });
    let session: InteractiveSession;
    try {
      session = await start();
    } catch (e) {
      throw asApiError(e);
    }
    return channelUpgrade(
      opts,
      async () => asRemote(session),
      () => session.close(),
    );
  };
}

export function execHandler(d: StreamDeps): ConnectHandler {
  return interactiveHandler(d, 'exec');
}

export function attachHandler(d: StreamDeps): ConnectHandler {
  return interactiveHandler(d, 'attach');
}

function dialOnce(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    const timer = setTimeout(
      () => s.destroy(new Error(`timed out connecting to ${host}:${port}`)),
      DIAL_TIMEOUT_MS,
    );
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export function portForwardHandler(d: StreamDeps): ConnectHandler {
  return async (req) => {
    parsePorts(req.query);
    requirePortForwardUpgrade(req);
    if (d.engine.info && (await d.engine.info()).name === 'simulated')
      throw errors.badRequest(
        'the simulated engine runs no processes: port-forward needs a container engine (--engine unix:///...)',
      );
    const running = await runningContainers(d, req);
    if (running.length === 0) throw errors.badRequest(`pod ${req.name} has no running container`);
    // Host network: the node's loopback; bridge: each container's own address (reachable from the host).
    const hosts = [...new Set(running.map((c) => c.ip ?? '127.0.0.1'))];
    return portForwardUpgrade(async (port): Promise<Duplex> => {
      let last: Error | undefined;
      for (const host of hosts) {
        try {
          return await dialOnce(host, port);
        } catch (e) {
          last = e as Error;
        }
      }
      throw new Error(`dial tcp ${hosts.join(',')}:${port}: ${last?.message ?? 'no address'}`);
    });
  };
}

/** What registerStreams needs of the site's API server. */
export interface StreamsApi {
  app: { server: Server };
  registerConnect(group: string, resource: string, subresource: string, handler: ConnectHandler): void;
}

/**
 * Serves exec, attach and port-forward on the site API (and routes its upgrade requests). Before
 * closing that API, end its sessions with closeStreams: the server waits for every socket.
 */
export function registerStreams(api: StreamsApi, d: StreamDeps): void {
  routeUpgrades(api.app.server);
  api.registerConnect('', 'pods', 'exec', execHandler(d));
  api.registerConnect('', 'pods', 'attach', attachHandler(d));
  api.registerConnect('', 'pods', 'portforward', portForwardHandler(d));
}

/** Ends the site API's exec/attach/port-forward sessions (their sockets keep a server's close() waiting). */
export function closeStreams(api: StreamsApi): void {
  destroyUpgraded(api.app.server);
}
