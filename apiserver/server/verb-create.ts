import type { FastifyReply } from 'fastify';
import { decodeBody } from './decode.js';
import { send, shapeObject } from './encode.js';
import type { ResourceRequest } from './resource-request.js';
import { writeOptions } from './write-options.js';

/** POST on a collection. */
export async function serveCreate(r: ResourceRequest): Promise<FastifyReply> {
  const { info, version, ns, neg, q } = r;
  const opts = writeOptions(q, r.req);
  const body = decodeBody(r.req, opts.fieldValidation, r.ctx.warnings);
  const obj = await r.deps.storage.create(r.ctx, info, version, ns, body, opts);
  return send(r.reply, 201, shapeObject(neg, info, version, obj, q), neg.yaml);
}
