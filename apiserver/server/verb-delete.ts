import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../errors.js';
import { decodeContinue } from '../rest/continue-token.js';
import { parseListQuery } from '../rest/list-query.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { decodeText } from './decode.js';
import { send, shapeObject } from './encode.js';
import type { ResourceRequest } from './resource-request.js';

/** DELETE on one object: 200 with a Status when gone, 202 with the object while finalizers hold it. */
export async function serveDelete(r: ResourceRequest): Promise<FastifyReply> {
  const { deps, ctx, info, version, ns, name, neg, q } = r;
  const opts = deleteOptions(r.req, q);
  const res = await deps.storage.delete(ctx, info, version, ns, name, opts);
  if (res.deleted) {
    return send(
      r.reply,
      200,
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, group: info.group, kind: info.resource, uid: res.object.metadata.uid },
      },
      neg.yaml,
    );
  }
  return send(r.reply, 202, shapeObject(neg, info, version, res.object, q), neg.yaml);
}

/** DELETE on a collection: every object the selectors match, as a list of what was deleted. */
export async function serveDeleteCollection(r: ResourceRequest): Promise<FastifyReply> {
  const { deps, ctx, info, version, ns, neg, q } = r;
  const storage = deps.storage;
  const lq = parseListQuery(info, version, q, decodeContinue);
  const opts = deleteOptions(r.req, q);
  const res = await storage.list(info, version, ns, { ...lq, limit: undefined });
  const deleted: KubeObject[] = [];
  for (const item of res.items) {
    const d = await storage
      .delete(ctx, info, version, item.metadata.namespace, String(item.metadata.name), {
        dryRun: opts.dryRun,
      })
      .catch((e: unknown) => {
        if (e instanceof Error && 'code' in e && (e as { code: number }).code === 404) return undefined;
        throw e;
      });
    if (d) deleted.push(d.object);
  }
  return send(
    r.reply,
    200,
    {
      kind: info.listKind,
      apiVersion: r.apiVersion,
      metadata: { resourceVersion: res.resourceVersion },
      items: deleted,
    },
    neg.yaml,
  );
}

function deleteOptions(
  req: FastifyRequest,
  q: URLSearchParams,
): { dryRun: boolean; preconditions?: { uid?: string; resourceVersion?: string } } {
  let dryRun = q.getAll('dryRun').includes('All');
  let preconditions: { uid?: string; resourceVersion?: string } | undefined;
  const raw = typeof req.body === 'string' ? req.body.trim() : '';
  if (raw) {
    const decoded = decodeText(raw, 'json').value;
    if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded))
      throw errors.badRequest('the DeleteOptions body must be a JSON object');
    const body = decoded as {
      dryRun?: string[];
      preconditions?: { uid?: string; resourceVersion?: string };
      propagationPolicy?: string;
    };
    if (body.propagationPolicy && !['Background', 'Foreground', 'Orphan'].includes(body.propagationPolicy)) {
      throw errors.badRequest(`propagationPolicy: Unsupported value: "${body.propagationPolicy}"`);
    }
    if (Array.isArray(body.dryRun) && body.dryRun.includes('All')) dryRun = true;
    preconditions = body.preconditions;
  }
  return { dryRun, preconditions };
}
