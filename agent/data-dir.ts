/**
 * The agent's data directory: what `edgefed agent join` writes and `edgefed agent run` reads.
 *
 *   D/agent.json        {hub, cluster, namespace}
 *   D/pki/ca.crt        the hub CA (trust anchor, pinned at join by its sha256)
 *   D/pki/agent.key     the agent's private key (0600)
 *   D/pki/agent.crt     the agent's client certificate (CN edgefed:cluster:<name>, O edgefed:clusters)
 *   D/hub.kubeconfig    server = hub URL, CA, client cert/key (0600)
 *   D/cache.db          the Work cache (SQLite)
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderKubeconfig } from '../pki/kubeconfig.js';

export interface AgentConfig {
  /** Hub URL, https://host:port. */
  hub: string;
  /** The cluster's name on the hub (its KubeFedCluster). */
  cluster: string;
  /** Hub namespace holding this cluster's Works. */
  namespace: string;
}

export interface AgentPaths {
  dir: string;
  config: string;
  pki: string;
  ca: string;
  key: string;
  cert: string;
  kubeconfig: string;
  cache: string;
}

export function agentPaths(dir: string): AgentPaths {
  const pki = join(dir, 'pki');
  return {
    dir,
    config: join(dir, 'agent.json'),
    pki,
    ca: join(pki, 'ca.crt'),
    key: join(pki, 'agent.key'),
    cert: join(pki, 'agent.crt'),
    kubeconfig: join(dir, 'hub.kubeconfig'),
    cache: join(dir, 'cache.db'),
  };
}

export function readAgentConfig(dir: string): AgentConfig {
  const p = agentPaths(dir).config;
  if (!existsSync(p))
    throw new Error(`${p} not found: run \`edgefed agent join\` with --data-dir ${dir} first`);
  const raw: unknown = JSON.parse(readFileSync(p, 'utf8'));
  const c = raw as Partial<AgentConfig>;
  if (typeof c.hub !== 'string' || typeof c.cluster !== 'string' || typeof c.namespace !== 'string')
    throw new Error(`${p} is malformed: expected {hub, cluster, namespace}`);
  return { hub: c.hub, cluster: c.cluster, namespace: c.namespace };
}

export function isJoined(dir: string): boolean {
  return existsSync(agentPaths(dir).config);
}

/** Writes via a temporary file and rename, so a crash never leaves half a key or certificate. */
export function writeFileAtomic(path: string, content: string, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

export interface AgentCredentials {
  caCert: string;
  cert: string;
  key: string;
}

/** Writes the PKI files and the hub kubeconfig (not agent.json). Used by join and by rotation. */
export function writeCredentials(dir: string, config: AgentConfig, creds: AgentCredentials): void {
  const p = agentPaths(dir);
  mkdirSync(p.pki, { recursive: true, mode: 0o700 });
  writeFileAtomic(p.ca, creds.caCert);
  writeFileAtomic(p.key, creds.key, 0o600);
  writeFileAtomic(p.cert, creds.cert);
  writeFileAtomic(
    p.kubeconfig,
    renderKubeconfig({
      server: config.hub,
      caCert: creds.caCert,
      clusterName: 'edgefed-hub',
      userName: `edgefed-agent-${config.cluster}`,
      clientCert: creds.cert,
      clientKey: creds.key,
      namespace: config.namespace,
    }),
    0o600,
  );
}

/** Everything a joined agent needs: credentials first, agent.json last (its presence means "joined"). */
export function writeAgentState(dir: string, config: AgentConfig, creds: AgentCredentials): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeCredentials(dir, config, creds);
  writeFileAtomic(agentPaths(dir).config, JSON.stringify(config, null, 2) + '\n');
}

export function readCredentials(dir: string): AgentCredentials {
  const p = agentPaths(dir);
  return {
    caCert: readFileSync(p.ca, 'utf8'),
    cert: readFileSync(p.cert, 'utf8'),
    key: readFileSync(p.key, 'utf8'),
  };
}
