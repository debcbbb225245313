import { networkInterfaces } from 'node:os';

/**
 * The address this site's services are reached at (Service status, multi-cluster DNS) when
 * --node-ip is not given: the first non-internal IPv4 address, as kubelet picks its InternalIP,
 * else loopback (a laptop demo with no network).
 */
export function defaultNodeIp(ifaces = networkInterfaces()): string {
  for (const list of Object.values(ifaces)) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
