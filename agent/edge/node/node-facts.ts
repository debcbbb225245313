/** Facts about the host for the Node object, read from the OS (the impure half of node-info.ts). */
import { readFileSync, statfsSync } from 'node:fs';
import { arch, cpus, endianness, freemem, hostname, platform, release, totalmem } from 'node:os';
import type { ContainerEngine } from '../engine/engine.js';
import { goArch, type NodeFacts } from './node-info.js';

function readTrimmed(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** PRETTY_NAME from /etc/os-release, as kubelet reports osImage. */
export function osImage(osRelease: string): string {
  const m = /^PRETTY_NAME=(.*)$/m.exec(osRelease);
  if (!m) return platform() === 'linux' ? 'Linux' : platform();
  return m[1].replace(/^["']|["']$/g, '');
}

/** MemAvailable from /proc/meminfo (free memory alone undercounts reclaimable page cache). */
function memoryAvailable(): number {
  const m = /^MemAvailable:\s+(\d+) kB$/m.exec(readTrimmed('/proc/meminfo'));
  return m ? Number(m[1]) * 1024 : freemem();
}

export async function gatherNodeFacts(
  engine: ContainerEngine,
  nodeName: string,
  nodeIp: string,
  dataDir: string,
  engineTimeoutMs = 5000,
): Promise<NodeFacts> {
  let runtime = 'unknown://unknown';
  let notReadyMessage: string | undefined;
  try {
    const info = await Promise.race([
      engine.info(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no answer in ${engineTimeoutMs} ms`)), engineTimeoutMs).unref(),
      ),
    ]);
    runtime = `${info.name}://${info.version}`;
  } catch (e) {
    notReadyMessage = `container runtime is down: ${(e as Error).message}`;
  }
  let diskBytes: number | undefined;
  let diskAvailableBytes: number | undefined;
  try {
    const st = statfsSync(dataDir);
    diskBytes = st.blocks * st.bsize;
    diskAvailableBytes = st.bavail * st.bsize;
  } catch {
    // No data dir yet: leave ephemeral-storage out.
  }
  const machineID = readTrimmed('/etc/machine-id');
  return {
    nodeName,
    nodeIp,
    hostname: nodeName,
    cpus: cpus().length,
    memoryBytes: totalmem(),
    memoryAvailableBytes: memoryAvailable(),
    diskBytes,
    diskAvailableBytes,
    os: platform(),
    arch: goArch(arch(), endianness() === 'LE'),
    kernelVersion: release(),
    osImage: osImage(readTrimmed('/etc/os-release')),
    machineID,
    systemUUID: readTrimmed('/sys/class/dmi/id/product_uuid') || machineID || hostname(),
    bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
    containerRuntimeVersion: runtime,
    notReadyMessage,
  };
}
