/**
 * The site's own iptables chains for ClusterIPs (nothing else is touched): nat
 * `EDGEFED-SVC-<id>` DNATs `<clusterIP>:<port>` to where the site serves it (the proxy's or the
 * DNS server's listener on the bridge gateway), jumped to from PREROUTING for traffic from the
 * bridge and from OUTPUT for the node's own processes (host-network pods); filter
 * `EDGEFED-SVCF-<id>` rejects whatever else is sent to the service range, so a ClusterIP with no
 * rule (yet) is refused on the node instead of being routed out of it. The chain content is
 * replaced atomically (iptables-restore --noflush); stop() removes jumps and chains.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Dnat {
  proto: 'tcp' | 'udp';
  ip: string;
  port: number;
  toIp: string;
  toPort: number;
  /** Shown in `iptables -t nat -S` (the Service). */
  comment: string;
}

export function chainNames(site: string): { nat: string; filter: string } {
  const id = createHash('sha256').update(site).digest('hex').slice(0, 8).toUpperCase();
  return { nat: `EDGEFED-SVC-${id}`, filter: `EDGEFED-SVCF-${id}` };
}

/** iptables-restore input that replaces both chains' rules (pure). */
export function restoreInput(site: string, rules: Dnat[], serviceCidr: string): string {
  const { nat, filter } = chainNames(site);
  const lines = ['*nat', `:${nat} - [0:0]`];
  for (const r of [...rules].sort((a, b) => (dnatKey(a) < dnatKey(b) ? -1 : 1)))
    lines.push(
      `-A ${nat} -d ${r.ip}/32 -p ${r.proto} -m ${r.proto} --dport ${r.port} -m comment --comment "${r.comment.replace(/"/g, '')}" -j DNAT --to-destination ${r.toIp}:${r.toPort}`,
    );
  lines.push('COMMIT', '*filter', `:${filter} - [0:0]`);
  lines.push(`-A ${filter} -d ${serviceCidr} -j REJECT --reject-with icmp-port-unreachable`, 'COMMIT', '');
  return lines.join('\n');
}

export function dnatKey(r: Dnat): string {
  return `${r.proto}/${r.ip}:${r.port}`;
}

/** [table, builtin chain, match args] of every jump into the site's chains. */
export function jumps(site: string, bridgeCidr: string): [string, string, string[]][] {
  const { nat, filter } = chainNames(site);
  return [
    ['nat', 'PREROUTING', ['-s', bridgeCidr, '-j', nat]],
    ['nat', 'OUTPUT', ['-j', nat]],
    ['filter', 'FORWARD', ['-s', bridgeCidr, '-j', filter]],
    ['filter', 'OUTPUT', ['-j', filter]],
  ];
}

export interface ServiceChainsOptions {
  site: string;
  bridgeCidr: string;
  serviceCidr: string;
}

/** Applies rule sets one at a time, coalescing: only the newest pending set is applied next. */
export class ServiceChains {
  private pending?: Dnat[];
  private running?: Promise<void>;
  private applied = '';
  private jumped = false;
  private removed = false;

  constructor(private readonly opts: ServiceChainsOptions) {}

  /** Resolves once this set (or a newer one) is in the kernel. */
  apply(rules: Dnat[]): Promise<void> {
    this.pending = rules;
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending && !this.removed) {
      const input = restoreInput(this.opts.site, this.pending, this.opts.serviceCidr);
      this.pending = undefined;
      if (input === this.applied && this.jumped) continue;
      await restore(input);
      this.applied = input;
      if (!this.jumped) {
        for (const [table, chain, args] of jumps(this.opts.site, this.opts.bridgeCidr))
          if (!(await ok(['-t', table, '-C', chain, ...args])))
            await run('iptables', ['-w', '-t', table, '-I', chain, '1', ...args]);
        this.jumped = true;
      }
    }
  }

  /** Removes the jumps and both chains (only ours). */
  async remove(): Promise<void> {
    this.removed = true;
    await this.running?.catch(() => undefined);
    for (const [table, chain, args] of jumps(this.opts.site, this.opts.bridgeCidr))
      while (await ok(['-t', table, '-D', chain, ...args]));
    const { nat, filter } = chainNames(this.opts.site);
    for (const [table, c] of [
      ['nat', nat],
      ['filter', filter],
    ]) {
      await ok(['-t', table, '-F', c]);
      await ok(['-t', table, '-X', c]);
    }
  }
}

async function ok(args: string[]): Promise<boolean> {
  try {
    await run('iptables', ['-w', ...args]);
    return true;
  } catch {
    return false;
  }
}

async function restore(input: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('iptables-restore', ['-w', '--noflush'], (err, _out, stderr) =>
      err ? reject(new Error(`iptables-restore: ${stderr || err.message}`)) : resolve(),
    );
    child.stdin?.end(input);
  });
}

/** Whether this process can manage iptables (root, iptables present). */
export async function iptablesUsable(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  return ok(['-t', 'nat', '-S', 'PREROUTING']);
}
