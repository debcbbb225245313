import type { FastifyRequest } from 'fastify';
import yaml from 'js-yaml';
import { errors } from '../errors.js';
import { decodeKubeProtobuf } from '../protobuf/index.js';
import type { KubeObject } from '../../api/kubernetes.js';

/** The body of a create or update: JSON, YAML or kube protobuf, as an object. */
export function decodeBody(req: FastifyRequest): KubeObject {
  if (Buffer.isBuffer(req.body)) return decodeKubeProtobuf(req.body).object as KubeObject;
  const raw = typeof req.body === 'string' ? req.body : '';
  if (raw.trim() === '') throw errors.badRequest('the request body is empty');
  const ct = String(req.headers['content-type'] ?? 'application/json')
    .split(';')[0]
    .trim();
  let parsed: unknown;
  try {
    if (ct === 'application/yaml' || ct === 'application/x-yaml')
      parsed = yaml.load(raw, { schema: yaml.JSON_SCHEMA });
    else if (ct === 'application/json' || ct === '*/*' || ct === '') parsed = JSON.parse(raw);
    else
      throw errors.unsupportedMediaType(
        `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
      );
  } catch (e) {
    if (e instanceof Error && e.name === 'ApiError') throw e;
    throw errors.badRequest(`the request body could not be decoded: ${(e as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw errors.badRequest('the request body must be a JSON object');
  }
  return parsed as KubeObject;
}
