/**
 * Push mode (`edgefed join`, kubefedctl join's parity): the hub can reach the member's API, so the
 * hub itself runs the agent for it, in-process. The contract between the CLI and the hub's
 * PushSupervisor is one Secret per cluster in kube-federation-system:
 *
 *   name   edgefed-push-<cluster>
 *   label  edgefed.io/push-cluster=<cluster>
 *   data   kubeconfig   the member's kubeconfig, self-contained (no file references)
 *          token        a short-lived bootstrap token for the join (removed once joined)
 *          labels       JSON object: the KubeFedCluster's labels
 *          agent.json, ca.crt, agent.crt, agent.key
 *                       written by the supervisor after the join: the agent's identity, so another
 *                       hub process (after a failover) or a hub with a lost data dir resumes the
 *                       same agent instead of joining again (the hub binds a cluster name to a key)
 *   annotation edgefed.io/push-status: what the supervisor last did (Joined, Running, or an error)
 *
 * Shared by cli/commands/join.ts and push/supervisor.ts; no I/O here except reading files a
 * kubeconfig references.
 */
import { KubeConfig, type Cluster, type User } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import type { KubeObject } from '../api/kubernetes.js';
import { HUB_NAMESPACE } from '../api/federation.js';

export const PUSH_LABEL = 'edgefed.io/push-cluster';
export const PUSH_STATUS_ANNOTATION = 'edgefed.io/push-status';
export const PUSH_SECRET_TYPE = 'edgefed.io/push-cluster';
export const PUSH_SECRETS_PATH = `/api/v1/namespaces/${HUB_NAMESPACE}/secrets`;
/** The Lease the hub processes compete for: only its holder runs push-mode agents. */
export const PUSH_LEASE = 'edgefed-push-supervisor';

export const DATA = {
  kubeconfig: 'kubeconfig',
  token: 'token',
  labels: 'labels',
  agentConfig: 'agent.json',
  ca: 'ca.crt',
  cert: 'agent.crt',
  key: 'agent.key',
} as const;

export interface PushSecret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export function pushSecretName(cluster: string): string {
  return `edgefed-push-${cluster}`;
}

export function pushSecretPath(cluster: string): string {
  return `${PUSH_SECRETS_PATH}/${pushSecretName(cluster)}`;
}

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** A data value, decoded; undefined when absent or empty. */
export function secretValue(s: PushSecret, key: string): string | undefined {
  const v = s.data?.[key];
  if (!v) return undefined;
  const out = Buffer.from(v, 'base64').toString('utf8');
  return out === '' ? undefined : out;
}

export function secretLabels(s: PushSecret): Record<string, string> {
  const raw = secretValue(s, DATA.labels);
  if (!raw) return {};
  try {
    const v: unknown = JSON.parse(raw);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>))
      if (typeof val === 'string') out[k] = val;
    return out;
  } catch {
    return {};
  }
}

/** The cluster a push Secret is for (its label; the name as a fallback). */
export function secretCluster(s: PushSecret): string | undefined {
  const l = s.metadata.labels?.[PUSH_LABEL];
  if (l) return l;
  const m = /^edgefed-push-(.+)$/.exec(String(s.metadata.name ?? ''));
  return m?.[1];
}

const fileB64 = (path: string): string => readFileSync(path).toString('base64');

/**
 * The current context of kc as a kubeconfig with only that context, its cluster and its user, file
 * references replaced by their contents, so it works in the hub process on another machine.
 * Refuses exec and auth-provider users: the hub would have to run the member's credential plugin.
 */
export function selfContainedKubeconfig(kc: KubeConfig): string {
  const ctx = kc.getContextObject(kc.getCurrentContext());
  if (!ctx) throw new Error('the member kubeconfig has no current context (use --context)');
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster?.server) throw new Error(`the member kubeconfig's cluster "${ctx.cluster}" has no server`);
  const user = kc.getUser(ctx.user);
  if (!user) throw new Error(`the member kubeconfig's user "${ctx.user}" is not defined`);
  if (user.exec || user.authProvider)
    throw new Error(
      `the member kubeconfig's user "${user.name}" uses an ${user.exec ? 'exec credential plugin' : 'auth provider'}; ` +
        'the hub cannot run it: use a kubeconfig with a token or a client certificate (e.g. a service account token)',
    );
  const c: Cluster = {
    name: cluster.name,
    server: cluster.server,
    skipTLSVerify: cluster.skipTLSVerify,
    ...(cluster.tlsServerName ? { tlsServerName: cluster.tlsServerName } : {}),
    ...(cluster.proxyUrl ? { proxyUrl: cluster.proxyUrl } : {}),
    ...(cluster.caData
      ? { caData: cluster.caData }
      : cluster.caFile
        ? { caData: fileB64(cluster.caFile) }
        : {}),
  };
  const u: User = {
    name: user.name,
    ...(user.certData
      ? { certData: user.certData }
      : user.certFile
        ? { certData: fileB64(user.certFile) }
        : {}),
    ...(user.keyData ? { keyData: user.keyData } : user.keyFile ? { keyData: fileB64(user.keyFile) } : {}),
    ...(user.token ? { token: user.token } : {}),
    ...(user.username ? { username: user.username } : {}),
    ...(user.password ? { password: user.password } : {}),
    ...(user.impersonateUser ? { impersonateUser: user.impersonateUser } : {}),
  };
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [c],
    users: [u],
    contexts: [
      {
        name: ctx.name,
        cluster: c.name,
        user: u.name,
        ...(ctx.namespace ? { namespace: ctx.namespace } : {}),
      },
    ],
    currentContext: ctx.name,
  });
  return out.exportConfig();
}

/** The member KubeConfig a push Secret holds. */
export function memberKubeConfig(s: PushSecret): KubeConfig {
  const text = secretValue(s, DATA.kubeconfig);
  if (!text) throw new Error(`Secret ${String(s.metadata.name)} has no ${DATA.kubeconfig}`);
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return kc;
}
