import type { FastifyReply } from 'fastify';
import { errors } from '../errors.js';
import type { PatchType } from '../rest/storage.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { decodeBody } from './decode.js';
import { send, shapeObject } from './encode.js';
import type { ResourceRequest } from './resource-request.js';
import { applyScale, scaleOf } from './scale.js';
import { writeOptions } from './write-options.js';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** PUT on an object, its status or its scale. */
export async function serveUpdate(r: ResourceRequest): Promise<FastifyReply> {
  const { deps, ctx, info, version, ns, name, neg, q, req, p } = r;
  const storage = deps.storage;
  const body = decodeBody(req);
  if (p.subresource === 'scale') {
    const cur = await storage.get(info, version, ns, name);
    const next = applyScale(info, version, cur, body);
    const obj = await storage.update(ctx, info, version, ns, name, next, writeOptions(q, req));
    return send(r.reply, 200, scaleOf(info, version, obj), neg.yaml);
  }
  const sub = p.subresource === 'status' ? 'status' : undefined;
  const obj = await storage.update(ctx, info, version, ns, name, body, writeOptions(q, req, sub));
  return send(r.reply, 200, shapeObject(neg, info, version, obj, q), neg.yaml);
}

/** PATCH (json, merge, strategic, apply) on an object, its status or its scale. */
export async function servePatch(r: ResourceRequest): Promise<FastifyReply> {
  const { deps, ctx, info, version, ns, name, neg, q, req, p } = r;
  const storage = deps.storage;
  const ct = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim();
  const type = PATCH_TYPES[ct];
  if (!type) {
    throw errors.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`,
    );
  }
  if (Buffer.isBuffer(req.body)) throw errors.unsupportedMediaType('patches must be JSON or YAML');
  const raw = typeof req.body === 'string' ? req.body : '';
  const force = q.get('force') === 'true';
  if (q.has('force') && type !== 'apply')
    throw errors.badRequest('force may not be specified for non-apply patch');
  if (type === 'apply' && !q.get('fieldManager'))
    throw errors.badRequest(
      'PATCH with apply requires a fieldManager (fieldManager is required for apply requests)',
    );
  if (p.subresource === 'scale') {
    const cur = await storage.get(info, version, ns, name);
    const patchedScale = (await import('../patch/index.js')).applyMergePatch(
      scaleOf(info, version, cur),
      JSON.parse(raw || '{}'),
    );
    const obj = await storage.update(
      ctx,
      info,
      version,
      ns,
      name,
      applyScale(info, version, cur, patchedScale as KubeObject),
      writeOptions(q, req),
    );
    return send(r.reply, 200, scaleOf(info, version, obj), neg.yaml);
  }
  const sub = p.subresource === 'status' ? 'status' : undefined;
  const res = await storage.patch(ctx, info, version, ns, name, type, raw, {
    ...writeOptions(q, req, sub),
    force,
  });
  return send(r.reply, res.created ? 201 : 200, shapeObject(neg, info, version, res.object, q), neg.yaml);
}
