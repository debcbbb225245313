/**
 * `edgefed dashboard`: prints a sign-in URL for the hub's web dashboard (hub/dashboard). With the
 * admin kubeconfig it gets a short-lived ServiceAccount token (TokenRequest, as `kubectl create
 * token`), trades it at the hub for a one-time code, and prints `https://<hub>/ui/#code=<code>`:
 * the code sits in the URL fragment, which browsers never send to a server, and works once.
 *
 * Without --service-account the identity is kube-federation-system/edgefed-dashboard, created on
 * first use and bound to cluster-admin; with one, the dashboard sees what that account's RBAC grants.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { KubeClient } from '../../client/client.js';
import { ApiError } from '../../client/errors.js';
import { addKubeconfigOptions, cliError, connect, parseDuration, type ConnectionFlags } from './token.js';

export const DEFAULT_ACCOUNT = { namespace: 'kube-federation-system', name: 'edgefed-dashboard' };

export interface AccountRef {
  namespace: string;
  name: string;
}

/** `<namespace>/<name>` → its parts; anything else is a usage error. */
export function parseServiceAccount(v: string): AccountRef {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(v);
  if (!m) throw new InvalidArgumentError('expected <namespace>/<serviceaccount>');
  return { namespace: m[1], name: m[3] };
}

/** The URL the user opens: the code in the fragment, never in the path or query. */
export function signInUrl(server: string, code: string): string {
  return `${server.replace(/\/+$/, '')}/ui/#code=${encodeURIComponent(code)}`;
}

/** Creates an object unless it exists (a second `edgefed dashboard` finds them in place). */
async function createIfMissing(client: KubeClient, path: string, obj: object): Promise<void> {
  try {
    await client.request('POST', path, { body: obj });
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
  }
}

/** The default identity: a ServiceAccount bound to cluster-admin (the user already is admin). */
async function ensureDefaultAccount(client: KubeClient): Promise<void> {
  const { namespace, name } = DEFAULT_ACCOUNT;
  await createIfMissing(client, `/api/v1/namespaces/${namespace}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace },
  });
  await createIfMissing(client, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  });
}

interface TokenRequestStatus {
  status?: { token?: string; expirationTimestamp?: string };
}

export async function dashboardSignIn(
  o: ConnectionFlags & { serviceAccount?: AccountRef; duration: number },
): Promise<{ url: string; codeExpiresAt: string; tokenExpiresAt?: string }> {
  const { client, server } = await connect(o);
  try {
    const account = o.serviceAccount ?? DEFAULT_ACCOUNT;
    if (!o.serviceAccount) await ensureDefaultAccount(client);
    const tr = await client.request<TokenRequestStatus>(
      'POST',
      `/api/v1/namespaces/${account.namespace}/serviceaccounts/${account.name}/token`,
      {
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { expirationSeconds: o.duration },
        },
      },
    );
    const token = tr.status?.token;
    if (!token) throw new Error('the hub answered the TokenRequest without a token');
    const code = await client.request<{ code: string; expiresAt: string }>('POST', '/ui/api/codes', {
      body: { token },
    });
    return {
      url: signInUrl(server, code.code),
      codeExpiresAt: code.expiresAt,
      tokenExpiresAt: tr.status?.expirationTimestamp,
    };
  } catch (e) {
    throw cliError(e, server);
  }
}

export function registerDashboardCommand(program: Command): void {
  addKubeconfigOptions(
    program
      .command('dashboard')
      .description('Print a one-time sign-in URL for the fleet dashboard the hub serves at /ui/.')
      .option(
        '--service-account <namespace/name>',
        'sign in as this ServiceAccount (default: kube-federation-system/edgefed-dashboard, bound to cluster-admin)',
        parseServiceAccount,
      )
      .option('--duration <duration>', 'lifetime of the session token (e.g. 1h, 30m)', parseDuration, 3600),
  ).action(async (o: ConnectionFlags & { serviceAccount?: AccountRef; duration: number }) => {
    const r = await dashboardSignIn(o);
    process.stdout.write(
      `Open this URL to sign in (it works once, until ${r.codeExpiresAt}):\n\n  ${r.url}\n\n` +
        (r.tokenExpiresAt ? `The session lasts until ${r.tokenExpiresAt}.\n` : ''),
    );
  });
}
