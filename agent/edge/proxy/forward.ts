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
  // Half-open both ways: a client that shuts down its sending side (`printf … | nc`) still gets
  // the whole response; each side is ended by pipe() when the other ends.
  const upstream = connect({ host: backend.ip, port: backend.port, allowHalfOpen: true });
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
