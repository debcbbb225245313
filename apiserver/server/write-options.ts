import type { FastifyRequest } from 'fastify';
import { errors } from '../errors.js';
import type { WriteOptions } from '../rest/storage.js';
import type { FieldValidation } from '../rest/validate-object.js';

export function writeOptions(q: URLSearchParams, req: FastifyRequest, subresource?: 'status'): WriteOptions {
  const dryRun = q.getAll('dryRun');
  for (const d of dryRun)
    if (d !== 'All') throw errors.badRequest(`Invalid dry run value: ${d}; valid values are: All`);
  const fv = q.get('fieldValidation') ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(fv)) {
    throw errors.badRequest(`fieldValidation must be one of Ignore, Warn, Strict, got ${fv}`);
  }
  const fm = q.get('fieldManager') ?? managerFromUserAgent(req.headers['user-agent']);
  if (fm.length > 128) throw errors.badRequest('fieldManager: Too long: may not be longer than 128');
  return { dryRun: dryRun.length > 0, fieldManager: fm, fieldValidation: fv as FieldValidation, subresource };
}

function managerFromUserAgent(ua: string | undefined): string {
  const first = (ua ?? 'unknown').split('/')[0].trim();
  return first.slice(0, 128) || 'unknown';
}
