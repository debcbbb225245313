import type { FastifyRequest } from 'fastify';
import yaml from 'js-yaml';
import { errors } from '../errors.js';
import { decodeKubeProtobuf } from '../protobuf/index.js';
import type { FieldValidation } from '../rest/validate-object.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { scanJson } from './json-scan.js';
import { measureYaml, type YamlLimits } from './yaml-bounds.js';

/**
 * Request bodies are bounded before anything recurses over them: nesting deeper than MAX_DEPTH
 * (checked on the JSON text, or while js-yaml parses), and YAML whose aliases would expand past
 * MAX_YAML_ALIASES references or the body limit, are refused with a Status.
 */
export const MAX_DEPTH = 100;
export const MAX_YAML_ALIASES = 1000;

export interface DecodeLimits {
  maxDepth: number;
  maxYamlAliases: number;
  /** The expanded size a YAML body may reach: the body limit, as for JSON. */
  maxYamlBytes: number;
}

export const DEFAULT_LIMITS: DecodeLimits = {
  maxDepth: MAX_DEPTH,
  maxYamlAliases: MAX_YAML_ALIASES,
  maxYamlBytes: 3 * 1024 * 1024,
};

export type BodyFormat = 'json' | 'yaml';

export interface Decoded {
  value: unknown;
  /** Repeated keys (JSON), as field paths. */
  duplicates: string[];
}

/** js-yaml 4.3's options; its maxDepth is newer than @types/js-yaml. */
type YamlLoadOptions = yaml.LoadOptions & { maxDepth: number };

function tooDeep(limits: DecodeLimits): never {
  throw errors.badRequest(
    `the request body could not be decoded: exceeded max depth: objects and arrays may nest at most ${limits.maxDepth} levels`,
  );
}

/** Decodes JSON or YAML text within the limits; a syntax error is a 400 naming what failed. */
export function decodeText(raw: string, format: BodyFormat, limits: DecodeLimits = DEFAULT_LIMITS): Decoded {
  if (format === 'json') {
    const scan = scanJson(raw, limits.maxDepth);
    if (scan.tooDeep) tooDeep(limits);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw errors.badRequest(`the request body could not be decoded: ${firstLine(e)}`);
    }
    return { value, duplicates: scan.duplicates };
  }
  let value: unknown;
  try {
    // js-yaml counts its own depth one above ours (the document node).
    value = yaml.load(raw, { schema: yaml.JSON_SCHEMA, maxDepth: limits.maxDepth + 1 } as YamlLoadOptions);
  } catch (e) {
    if (/exceeded maxDepth/.test(firstLine(e))) tooDeep(limits);
    throw errors.badRequest(`the request body could not be decoded: ${firstLine(e)}`);
  }
  checkYamlBounds(value, {
    maxAliases: limits.maxYamlAliases,
    maxBytes: limits.maxYamlBytes,
    maxDepth: limits.maxDepth,
  });
  return { value, duplicates: [] };
}

function checkYamlBounds(value: unknown, limits: YamlLimits): void {
  const m = measureYaml(value, limits);
  if (m.ok) return;
  switch (m.exceeded) {
    case 'aliases':
      // sigs.k8s.io/yaml's words for the same refusal.
      throw errors.badRequest(
        `the request body could not be decoded: yaml: document contains excessive aliasing (more than ${limits.maxAliases} alias references)`,
      );
    case 'bytes':
      throw errors.tooLarge(
        `the request body is too large: its YAML aliases expand it past ${limits.maxBytes} bytes`,
      );
    case 'depth':
      throw errors.badRequest(
        `the request body could not be decoded: exceeded max depth: objects and arrays may nest at most ${limits.maxDepth} levels (aliases included)`,
      );
    case 'cycle':
      throw errors.badRequest(
        'the request body could not be decoded: yaml: an anchor contains an alias to itself',
      );
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/** The media type of a request body (no parameters), application/json when absent. */
export function contentTypeOf(req: FastifyRequest): string {
  return String(req.headers['content-type'] ?? 'application/json')
    .split(';')[0]
    .trim()
    .toLowerCase();
}

/**
 * Duplicate keys, as kube's strict decoder reports them: an error under fieldValidation=Strict,
 * warnings under Warn, nothing under Ignore (the last value wins, as in Go).
 */
export function reportDuplicates(duplicates: string[], mode: FieldValidation, warnings: string[]): void {
  if (duplicates.length === 0 || mode === 'Ignore') return;
  const msgs = duplicates.map((p) => `duplicate field "${p}"`);
  if (mode === 'Strict') throw errors.badRequest(`strict decoding error: ${msgs.join(', ')}`);
  warnings.push(...msgs);
}

/** The body of a create or update: JSON, YAML or kube protobuf, as an object. */
export function decodeBody(
  req: FastifyRequest,
  mode: FieldValidation,
  warnings: string[],
  limits: DecodeLimits = DEFAULT_LIMITS,
): KubeObject {
  if (Buffer.isBuffer(req.body)) return decodeKubeProtobuf(req.body).object as KubeObject;
  const raw = typeof req.body === 'string' ? req.body : '';
  if (raw.trim() === '') throw errors.badRequest('the request body is empty');
  const ct = contentTypeOf(req);
  let format: BodyFormat;
  if (ct === 'application/yaml' || ct === 'application/x-yaml') format = 'yaml';
  else if (ct === 'application/json' || ct === '*/*' || ct === '') format = 'json';
  else
    throw errors.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
    );
  const d = decodeText(raw, format, limits);
  if (d.value === null || typeof d.value !== 'object' || Array.isArray(d.value)) {
    throw errors.badRequest('the request body must be a JSON object');
  }
  reportDuplicates(d.duplicates, mode, warnings);
  return d.value as KubeObject;
}
