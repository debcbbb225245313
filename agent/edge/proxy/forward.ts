/** One proxied TCP connection: to a backend the balancer picks, or refused when there is none. */
import { connect, type Socket } from 'node:net';
import type { Balancer, ProxyRule } from './rules.js';

export function forwardConnection(
  rule: ProxyRule,
  balancer: Balancer,
  sockets: Set<Socket>,
  client: Socket,
): void {
  const backend = balancer.pick(rule, client.remoteAddress ?? '', Date.now());
  if (!backend) {
    client.destroy(); // no ready endpoint: refused, as kube-proxy rejects
    return;
  }
  const upstream = connect({ host: backend.ip, port: backend.port });
  sockets.add(client).add(upstream);
  const done = (): void => {
    client.destroy();
    upstream.destroy();
    sockets.delete(client);
    sockets.delete(upstream);
  };
  client.on('error', done).on('close', done);
  upstream.on('error', done).on('close', done);
  client.pipe(upstream);
  upstream.pipe(client);
}
