/**
 * `--engine` → a ContainerEngine. Without the flag, look where Docker and podman put their sockets,
 * as the docker CLI does with DOCKER_HOST.
 */
import { existsSync } from 'node:fs';
import { DockerEngine } from './docker.js';
import type { ContainerEngine } from './engine.js';
import { SimulatedEngine } from './simulated.js';

const WELL_KNOWN_SOCKETS = ['/run/podman/podman.sock', '/var/run/docker.sock', '/run/docker.sock'];

export function engineEndpoint(flag: string | undefined, env = process.env): string {
  if (flag) return flag;
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost?.startsWith('unix://')) return dockerHost;
  const found = WELL_KNOWN_SOCKETS.find((p) => existsSync(p));
  if (found) return `unix://${found}`;
  throw new Error(
    'no container engine found: start one (`podman system service --time=0 unix:///run/podman/podman.sock`) ' +
      'and pass --engine unix:///run/podman/podman.sock, or use --engine simulated for pods without processes',
  );
}

export function openEngine(endpoint: string): ContainerEngine {
  if (endpoint === 'simulated') return new SimulatedEngine();
  if (endpoint.startsWith('unix://') || endpoint.startsWith('/')) return new DockerEngine(endpoint);
  throw new Error(`--engine ${endpoint}: expected unix:///path/to/engine.sock or simulated`);
}
