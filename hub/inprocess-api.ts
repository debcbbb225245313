/**
 * The hub's in-process API access (client/inprocess.ts): a bearer token minted at start, known only
 * to this process, authenticating as the admin identity (the admin certificate's CN and group), and
 * the binding of the controllers' KubeConfig to the API server's app.
 *
 * EDGEFED_INPROCESS_API=0 turns it off (every request over loopback HTTPS, as before): bench:propagation
 * uses it to measure both paths in one run.
 */
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { StaticTokens, type TokenChecker } from '../apiserver/auth/authn.js';
import { bindInProcess, type Injector } from '../client/inprocess.js';

export interface InProcessApi {
  /** For the API server's bearer-token authenticator. */
  tokens: TokenChecker[];
  /** Routes `kc`'s unary requests to `app` (no-op when turned off). */
  bind(kc: KubeConfig, app: Injector): void;
}

export function inProcessApi(env: NodeJS.ProcessEnv = process.env): InProcessApi {
  if (env.EDGEFED_INPROCESS_API === '0') return { tokens: [], bind: () => undefined };
  const token = randomBytes(32).toString('base64url');
  return {
    tokens: [new StaticTokens([{ token, user: { name: 'edgefed-admin', groups: ['system:masters'] } }])],
    bind: (kc, app) => bindInProcess(kc, app, token),
  };
}
