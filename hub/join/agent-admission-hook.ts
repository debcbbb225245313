/**
 * Agent admission on the hub's own API server: a Fastify hook after authentication and before the
 * handler, feeding each agent request to admitAgent (agent-admission.ts). Other users pass.
 */
import type { FastifyRequest } from 'fastify';
import { forbiddenMessage, type RequestAttributes } from '../../apiserver/auth/authz.js';
import { errors } from '../../apiserver/errors.js';
import type { ApiServer } from '../../apiserver/server/api-server.js';
import { forwardTarget } from '../gateway/forward.js';
import { admitAgent, patchKindOf, type CurrentObject } from './agent-admission.js';
import { agentCluster } from './agent-authorizer.js';

/** Hooks agent admission into the hub's API server (after authentication, before the handler). */
export function registerAgentAdmission(api: ApiServer): void {
  const current: CurrentObject = async (a) => {
    const r = api.registry.resolve(a.group ?? '', a.version ?? '', a.resource ?? '');
    if (!r || a.name === undefined) return undefined;
    return api.storage.get(r.info, r.version, a.namespace, a.name).catch(() => undefined);
  };
  api.app.addHook('preHandler', async (req: FastifyRequest) => {
    const user = req.edgefedUser;
    const cluster = user ? agentCluster(user) : undefined;
    if (!user || !cluster) return;
    const url = new URL(req.url, 'https://x');
    let attrs: RequestAttributes;
    try {
      attrs = forwardTarget(req.method, url.pathname, url.searchParams).attrs;
    } catch {
      return; // not a path the API serves: it answers itself
    }
    const refusal = await admitAgent(
      cluster,
      { attrs, body: req.body, patchKind: patchKindOf(req.headers['content-type']) },
      current,
    );
    if (refusal)
      throw errors.forbidden(`${forbiddenMessage(user, attrs)}: ${refusal}`, {
        ...(attrs.group !== undefined ? { group: attrs.group } : {}),
        ...(attrs.resource !== undefined ? { kind: attrs.resource } : {}),
        ...(attrs.name !== undefined ? { name: attrs.name } : {}),
      });
  });
}
