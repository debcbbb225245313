/** `edgefed agent join` argument checks (pure), so a typo fails before anything touches the network. */
import { TOKEN_PATTERN } from '../../api/protocol.js';
import { parseDuration } from '../duration.js';

export interface RawJoinArgs {
  hub?: string;
  token?: string;
  discoveryTokenCaCertHash?: string;
  name?: string;
  dataDir?: string;
  labels?: string;
  wait?: string;
}

export interface JoinArgs {
  /** Normalized origin, https://host:port (no trailing slash). */
  hub: string;
  token: string;
  /** sha256:<64 lower-case hex>. */
  caHash: string;
  name: string;
  dataDir: string;
  labels: Record<string, string>;
  waitMs: number;
}

/** The longest cluster name whose hub namespace `edgefed-cluster-<name>` is still a DNS label (63). */
export const MAX_CLUSTER_NAME = 63 - 'edgefed-cluster-'.length;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function parseLabels(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!s || s.trim() === '') return out;
  for (const part of s.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`--labels: ${JSON.stringify(item)} is not key=value`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (
      name.length > 63 ||
      !LABEL_NAME.test(name) ||
      (prefix !== undefined && (prefix.length > 253 || !LABEL_PREFIX.test(prefix)))
    )
      throw new Error(`--labels: ${JSON.stringify(key)} is not a valid label key`);
    if (value.length > 63 || (value !== '' && !LABEL_NAME.test(value)))
      throw new Error(`--labels: ${JSON.stringify(value)} is not a valid label value (for ${key})`);
    if (key in out) throw new Error(`--labels: ${key} given twice`);
    out[key] = value;
  }
  return out;
}

/** Validates and normalizes; throws an Error whose message names the flag and the fix. */
export function validateJoinArgs(raw: RawJoinArgs): JoinArgs {
  const missing = (
    [
      ['hub', '--hub'],
      ['token', '--token'],
      ['discoveryTokenCaCertHash', '--discovery-token-ca-cert-hash'],
      ['name', '--name'],
      ['dataDir', '--data-dir'],
    ] as const
  )
    .filter(([k]) => !raw[k])
    .map(([, flag]) => flag);
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}`);

  let url: URL;
  try {
    url = new URL(String(raw.hub));
  } catch {
    throw new Error(`--hub: ${JSON.stringify(raw.hub)} is not a URL; expected https://HOST:PORT`);
  }
  if (url.protocol !== 'https:') throw new Error('--hub: must be an https:// URL');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username)
    throw new Error('--hub: give only https://HOST:PORT (no path, query or credentials)');

  const token = String(raw.token);
  if (!TOKEN_PATTERN.test(token))
    throw new Error(
      '--token: expected the format [a-z0-9]{6}.[a-z0-9]{16} (the bootstrap token the hub admin gave you)',
    );

  const hash = String(raw.discoveryTokenCaCertHash).trim();
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(hash);
  if (!m) throw new Error('--discovery-token-ca-cert-hash: expected sha256:<64 hex digits>');

  const name = String(raw.name);
  if (!DNS_LABEL.test(name) || name.length > MAX_CLUSTER_NAME)
    throw new Error(
      `--name: ${JSON.stringify(name)} must be lower-case letters, digits and '-', start and end alphanumeric, at most ${MAX_CLUSTER_NAME} characters`,
    );

  let waitMs = 10 * 60_000;
  if (raw.wait !== undefined) {
    try {
      waitMs = parseDuration(raw.wait);
    } catch (e) {
      throw new Error(`--wait: ${(e as Error).message}`);
    }
  }
  return {
    hub: url.origin,
    token,
    caHash: `sha256:${m[1].toLowerCase()}`,
    name,
    dataDir: String(raw.dataDir),
    labels: parseLabels(raw.labels),
    waitMs,
  };
}
