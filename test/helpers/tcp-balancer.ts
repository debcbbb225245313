/**
 * A tiny L4 (TCP) load balancer, standing in for the one users put in front of hub replicas
 * (HAProxy in TCP mode, a cloud NLB, a Kubernetes Service): TLS passes through untouched, so
 * clients still see the hubs' certificates and the hubs still see the clients' certificates.
 *
 * Each new connection goes to the next backend in round-robin order; a backend that refuses (or
 * does not answer within connectTimeoutMs) is skipped and the next one tried, so a dead replica
 * costs a client nothing but a retry inside the balancer. When either side closes or fails, the
 * other side is closed too: a client whose backend died sees its connection end, as behind a
 * real L4 balancer, and reconnects.
 *
 * spawnTcpBalancer() runs it in its own process (controlled over IPC), so a test's synchronous
 * kubectl or CLI runs do not stall the traffic of the agents behind it; startTcpBalancer() runs it
 * in the calling process.
 */
import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface Backend {
  host: string;
  port: number;
}

export interface TcpBalancer {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Replaces the backend list (new connections only). */
  setBackends(backends: Backend[]): void;
  /** Connections currently open, per backend `host:port`. */
  connections(): Record<string, number>;
  close(): Promise<void>;
}

export function backendOf(url: string): Backend {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
}

export async function startTcpBalancer(
  backends: Backend[],
  opts: { connectTimeoutMs?: number } = {},
): Promise<TcpBalancer> {
  let list = [...backends];
  let next = 0;
  const open = new Map<Socket, { backend: string; upstream?: Socket }>();
  const timeoutMs = opts.connectTimeoutMs ?? 2_000;
  const key = (b: Backend): string => `${b.host}:${b.port}`;

  /** Connects to the first backend that accepts, starting at the round-robin position. */
  const dial = (): Promise<{ socket: Socket; backend: Backend } | undefined> => {
    const candidates = list.length;
    const start = next;
    next = list.length ? (next + 1) % list.length : 0;
    const tryAt = (i: number): Promise<{ socket: Socket; backend: Backend } | undefined> => {
      if (i >= candidates) return Promise.resolve(undefined);
      const backend = list[(start + i) % candidates];
      if (!backend) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const s = connect({ host: backend.host, port: backend.port });
        const timer = setTimeout(() => s.destroy(new Error('connect timeout')), timeoutMs);
        s.once('connect', () => {
          clearTimeout(timer);
          s.removeAllListeners('error');
          resolve({ socket: s, backend });
        });
        s.once('error', () => {
          clearTimeout(timer);
          s.destroy();
          resolve(tryAt(i + 1));
        });
      });
    };
    return tryAt(0);
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    open.set(client, { backend: '' });
    client.on('error', () => client.destroy());
    client.once('close', () => {
      open.get(client)?.upstream?.destroy();
      open.delete(client);
    });
    void dial().then((got) => {
      if (!got || client.destroyed) {
        got?.socket.destroy();
        client.destroy();
        return;
      }
      const up = got.socket;
      open.set(client, { backend: key(got.backend), upstream: up });
      up.on('error', () => up.destroy());
      up.once('close', () => client.destroy());
      // Keepalive probes so a peer that vanished without a FIN is noticed eventually.
      up.setKeepAlive(true, 5_000);
      client.setKeepAlive(true, 5_000);
      client.pipe(up);
      up.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    setBackends(b) {
      list = [...b];
      next = 0;
    },
    connections() {
      const out: Record<string, number> = {};
      for (const { backend } of open.values()) if (backend) out[backend] = (out[backend] ?? 0) + 1;
      return out;
    },
    async close() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const [c, { upstream }] of open) {
        upstream?.destroy();
        c.destroy();
      }
      await closed;
    },
  };
}

export interface TcpBalancerProcess {
  url: string;
  port: number;
  setBackends(backends: Backend[]): Promise<void>;
  connections(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

type Op = { op: 'set'; backends: Backend[] } | { op: 'connections' };
type Request = Op & { id: number };
type Reply = { id: number; connections?: Record<string, number> } | { port: number };

/** The balancer in a child process (this file, run through tsx), controlled over IPC. */
export async function spawnTcpBalancer(backends: Backend[]): Promise<TcpBalancerProcess> {
  const child = fork(fileURLToPath(import.meta.url), [JSON.stringify(backends)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let seq = 0;
  const pending = new Map<number, (r: Reply) => void>();
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`tcp balancer exited with ${code}`)));
    child.on('message', (m: Reply) => {
      if ('port' in m) resolve(m.port);
      else pending.get(m.id)?.(m);
    });
  });
  const call = (r: Op): Promise<Reply> => {
    const id = ++seq;
    return new Promise((resolve) => {
      pending.set(id, (reply) => {
        pending.delete(id);
        resolve(reply);
      });
      child.send({ ...r, id });
    });
  };
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    async setBackends(b) {
      await call({ op: 'set', backends: b });
    },
    async connections() {
      const r = await call({ op: 'connections' });
      return 'connections' in r ? (r.connections ?? {}) : {};
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

// Child-process mode (spawnTcpBalancer): backends in argv, control messages over IPC.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.send) {
  const lb = await startTcpBalancer(JSON.parse(process.argv[2] ?? '[]') as Backend[]);
  // The test process went away: so does the balancer.
  process.once('disconnect', () => process.exit(0));
  process.on('message', (m: Request) => {
    if (m.op === 'set') lb.setBackends(m.backends);
    process.send?.({ id: m.id, ...(m.op === 'connections' ? { connections: lb.connections() } : {}) });
  });
  process.send({ port: lb.port });
}
