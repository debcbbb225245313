import type { FastifyReply } from 'fastify';
import { decodeContinue } from '../rest/continue-token.js';
import { parseListQuery } from '../rest/list-query.js';
import { send, sendList, shapeList, shapeObject } from './encode.js';
import type { ResourceRequest } from './resource-request.js';
import { scaleOf } from './scale.js';

/** GET on one object (or its scale subresource). */
export async function serveGet(r: ResourceRequest): Promise<FastifyReply> {
  const { info, version, ns, name, neg, q } = r;
  const obj = await r.deps.storage.get(info, version, ns, name);
  if (r.p.subresource === 'scale') return send(r.reply, 200, scaleOf(info, version, obj), neg.yaml);
  return send(r.reply, 200, shapeObject(neg, info, version, obj, q), neg.yaml);
}

/** GET on a collection. */
export async function serveList(r: ResourceRequest): Promise<FastifyReply> {
  const { info, version, ns, neg, q } = r;
  const lq = parseListQuery(info, version, q, decodeContinue);
  const res = await r.deps.storage.list(info, version, ns, lq);
  const meta = {
    resourceVersion: res.resourceVersion,
    ...(res.continue ? { continue: res.continue } : {}),
  };
  return sendList(r.reply, shapeList(neg, info, version, res.items, meta, r.apiVersion, q), neg.yaml);
}
