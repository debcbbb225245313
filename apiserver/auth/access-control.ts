/**
 * Everything beyond "admins only", wired onto an ApiServer: the RBAC index and authorizer with kube's
 * default policy and the aggregation controller, ServiceAccount tokens (TokenRequest, bearer
 * authentication, a `default` ServiceAccount per namespace) and the access/identity reviews.
 *
 *   const access = new AccessControl({ store, signingKey, logger });
 *   new ApiServer({ authenticator: ...Bearer(access.tokenCheckers())..., authorizer: access.authorizer(agentRules) });
 *   access.attach(api); await api.start(); await access.start(api); ... access.stop();
 */
import type { Logger } from 'pino';
import type { ApiServer } from '../server/api-server.js';
import { virtualResource } from '../registry/virtual.js';
import type { Store } from '../storage/store.js';
import type { TokenChecker } from './authn.js';
import { UnionAuthorizer, mastersAuthorizer, type Authorizer } from './authz.js';
import { registerImpersonation } from './impersonation.js';
import { RbacAuthorizer } from './rbac/authorizer.js';
import { RbacController } from './rbac/controller.js';
import { registerEscalationCheck } from './rbac/escalation.js';
import { RbacIndex } from './rbac/index.js';
import { reviewHandlers } from './reviews.js';
import { DefaultServiceAccounts } from './serviceaccount/controller.js';
import { ServiceAccountTokens } from './serviceaccount/tokens.js';

export interface AccessControlOptions {
  store: Store;
  logger: Logger;
  /** PEM EC P-256 key that signs ServiceAccount tokens; without it no tokens are issued or accepted. */
  signingKey?: string;
  issuer?: string;
}

export class AccessControl {
  readonly index: RbacIndex;
  readonly rbac: RbacAuthorizer;
  readonly tokens: ServiceAccountTokens | undefined;
  private chain: Authorizer | undefined;
  private controller: RbacController | undefined;
  private defaults: DefaultServiceAccounts | undefined;

  constructor(private readonly opts: AccessControlOptions) {
    this.index = new RbacIndex(opts.store);
    this.rbac = new RbacAuthorizer(this.index);
    this.tokens = opts.signingKey
      ? new ServiceAccountTokens(opts.store, { signingKey: opts.signingKey, issuer: opts.issuer })
      : undefined;
  }

  /** Bearer-token checkers to add to the server's authenticator (ServiceAccount tokens). */
  tokenCheckers(): TokenChecker[] {
    return this.tokens ? [this.tokens] : [];
  }

  /** The authorizer chain: `first` (e.g. the hub's agent rules) if given, then RBAC. */
  authorizer(first?: Authorizer): Authorizer {
    this.chain = new UnionAuthorizer([...(first ? [first] : []), this.rbac]);
    return this.chain;
  }

  /** Serves the reviews and serviceaccounts/token (before the API server starts). */
  attach(api: ApiServer): void {
    registerImpersonation(api, () => new UnionAuthorizer([mastersAuthorizer, this.chain ?? this.rbac]));
    registerEscalationCheck({
      api,
      index: this.index,
      rbac: this.rbac,
      authorizer: () => this.chain ?? this.rbac,
    });
    for (const h of reviewHandlers({ rbac: this.rbac, tokens: this.tokens })) {
      api.registry.upsert(virtualResource(h.group, 'v1', h.resource, h.kind, h.namespaced));
      api.registerCreate(h.group, h.resource, '', h.handler);
    }
    const tokens = this.tokens;
    if (!tokens) return;
    api.registerCreate('', 'serviceaccounts', 'token', async (r) => {
      const sa = api.registry.resolve('', 'v1', 'serviceaccounts');
      if (!sa || !r.name) throw new Error('serviceaccounts are not served');
      const obj = await api.storage.get(sa.info, sa.version, r.namespace, r.name);
      return tokens.tokenRequest(r.ctx, obj, r.body);
    });
  }

  /** Loads the indexes, writes the default policy, starts the controllers (after api.start()). */
  async start(api: ApiServer): Promise<void> {
    const log = this.opts.logger.child({ component: 'access-control' });
    await this.index.start();
    await this.tokens?.start();
    this.controller = new RbacController(this.index, api.storage, api.registry, log);
    await this.controller.bootstrap();
    this.controller.start();
    if (this.tokens) {
      this.defaults = new DefaultServiceAccounts(api.storage, api.registry, this.tokens, log);
      this.tokens.onDeleted = (ns, name) => this.defaults?.accountDeleted(ns, name);
      await this.defaults.start();
    }
  }

  stop(): void {
    this.controller?.stop();
    this.defaults?.stop();
    this.tokens?.stop();
    this.index.stop();
  }
}
