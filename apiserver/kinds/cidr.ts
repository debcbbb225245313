/** IPv4 service ranges: the addresses a CIDR holds, by offset, as kube's ipallocator counts them. */

export interface Ipv4Range {
  cidr: string;
  /** The network address as a 32-bit unsigned number. */
  base: number;
  /** How many addresses the block holds (network and broadcast included). */
  size: number;
}

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';

export function parseIpv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): Ipv4Range {
  const [ip, bits] = cidr.split('/');
  const addr = parseIpv4(ip ?? '');
  const prefix = Number(bits);
  if (addr === undefined || !/^\d{1,2}$/.test(bits ?? '') || prefix < 8 || prefix > 30) {
    throw new Error(`invalid service CIDR ${JSON.stringify(cidr)}: want an IPv4 block from /8 to /30`);
  }
  const size = 2 ** (32 - prefix);
  const base = addr - (addr % size);
  return { cidr: `${formatIpv4(base)}/${prefix}`, base, size };
}

export function inRange(r: Ipv4Range, ip: string): boolean {
  const n = parseIpv4(ip);
  return n !== undefined && n >= r.base && n < r.base + r.size;
}

/**
 * Offsets that may be handed out: not the network address, not the broadcast address, and (as kube
 * reserves it for the `kubernetes` Service) not the first host either.
 */
export function allocatableOffsets(r: Ipv4Range): { first: number; count: number } {
  return { first: 2, count: r.size - 3 };
}
