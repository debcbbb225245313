import type { FastifyReply } from 'fastify';
import { errors } from '../errors.js';
import type { PatchType } from '../rest/storage.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { applyMergePatch } from '../patch/index.js';
import type { FieldValidation } from '../rest/validate-object.js';
import { decodeBody, decodeText, reportDuplicates } from './decode.js';
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

/**
 * A patch document within the decoding limits. Apply patches are YAML, unless they are JSON (as
 * kubectl sends them), which is read as JSON so that repeated keys are found.
 */
export function decodePatch(
  raw: string,
  type: PatchType,
  mode: FieldValidation,
  warnings: string[],
): unknown {
  if (raw.trim() === '') throw errors.badRequest('the request body is empty');
  const asJson = type !== 'apply' || /^\s*[{[]/.test(raw);
  try {
    const d = decodeText(raw, asJson ? 'json' : 'yaml');
    reportDuplicates(d.duplicates, mode, warnings);
    return d.value;
  } catch (e) {
    // A YAML apply patch that only looked like JSON (flow style) is still YAML.
    if (
      type === 'apply' &&
      asJson &&
      e instanceof Error &&
      /could not be decoded: (Unexpected|Expected|Bad|Unterminated)/.test(e.message)
    )
      return decodeText(raw, 'yaml').value;
    throw e;
  }
}

/** PUT on an object, its status or its scale. */
export async function serveUpdate(r: ResourceRequest): Promise<FastifyReply> {
  const { deps, ctx, info, version, ns, name, neg, q, req, p } = r;
  const storage = deps.storage;
  const sub = p.subresource === 'status' ? 'status' : undefined;
  const opts = writeOptions(q, req, sub);
  const body = decodeBody(req, opts.fieldValidation, ctx.warnings);
  if (p.subresource === 'scale') {
    const cur = await storage.get(info, version, ns, name);
    const next = applyScale(info, version, cur, body);
    const obj = await storage.update(ctx, info, version, ns, name, next, opts);
    return send(r.reply, 200, scaleOf(info, version, obj), neg.yaml);
  }
  const obj = await storage.update(ctx, info, version, ns, name, body, opts);
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
  const sub = p.subresource === 'status' ? 'status' : undefined;
  const opts = writeOptions(q, req, sub);
  const doc = decodePatch(raw, type, opts.fieldValidation, ctx.warnings);
  if (p.subresource === 'scale') {
    const cur = await storage.get(info, version, ns, name);
    const patchedScale = applyMergePatch(scaleOf(info, version, cur), doc);
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
  const res = await storage.patch(ctx, info, version, ns, name, type, doc, { ...opts, force });
  return send(r.reply, res.created ? 201 : 200, shapeObject(neg, info, version, res.object, q), neg.yaml);
}
