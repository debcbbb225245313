import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { ApiError, errors } from '../errors.js';
import { cloneJson, isJsonObject } from './json-value.js';

/** The same ceiling kube-apiserver puts on one JSON patch, so a request cannot make us loop forever. */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

const OPS_WITH_VALUE = new Set(['add', 'replace', 'test']);
const OPS_WITH_FROM = new Set(['move', 'copy']);
const ALL_OPS = new Set([...OPS_WITH_VALUE, ...OPS_WITH_FROM, 'remove']);

/**
 * RFC 6902 JSON patch (application/json-patch+json). A malformed patch document is a 400; an
 * operation that does not apply to this object (missing path, failed test) is a 422 naming the op.
 * Returns a new document; neither input is touched.
 */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  const operations = parseOperations(ops);
  // Values from the patch are spliced into the document by reference, so both are copied.
  let doc = cloneJson(target);
  for (const [index, op] of operations.entries()) {
    checkApplies(op);
    try {
      doc = jsonpatch.applyOperation(doc, cloneJson(op) as Operation, true, true, true, index).newDocument;
    } catch (err) {
      throw notApplicable(op, err);
    }
  }
  return doc;
}

function parseOperations(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) {
    throw errors.badRequest('json patch document must be a JSON array of operations');
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw errors.tooLarge(
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
    );
  }
  return ops.map((op, index) => parseOperation(op, index));
}

function parseOperation(op: unknown, index: number): Operation {
  const where = `json patch operation ${index}`;
  if (!isJsonObject(op)) throw errors.badRequest(`${where} must be a JSON object`);
  const name = op['op'];
  if (typeof name !== 'string' || !ALL_OPS.has(name)) {
    throw errors.badRequest(
      `${where} has invalid "op" ${JSON.stringify(name) ?? 'undefined'}: must be one of add, remove, replace, move, copy, test`,
    );
  }
  checkPointer(op['path'], `${where} (${name})`, 'path');
  if (OPS_WITH_FROM.has(name)) checkPointer(op['from'], `${where} (${name})`, 'from');
  if (OPS_WITH_VALUE.has(name) && !Object.hasOwn(op, 'value')) {
    throw errors.badRequest(`${where} (${name} ${String(op['path'])}) is missing "value"`);
  }
  return op as unknown as Operation;
}

function checkPointer(pointer: unknown, where: string, field: 'path' | 'from'): void {
  if (typeof pointer !== 'string') throw errors.badRequest(`${where} is missing a string "${field}"`);
  if (pointer !== '' && !pointer.startsWith('/')) {
    throw errors.badRequest(
      `${where} has invalid ${field} ${JSON.stringify(pointer)}: must be empty or start with "/"`,
    );
  }
  // fast-json-patch refuses these with a TypeError; say so as a client error instead.
  if (pointer.split('/').some((token) => token === '__proto__')) {
    throw errors.badRequest(
      `${where} has invalid ${field} ${JSON.stringify(pointer)}: "__proto__" is not allowed`,
    );
  }
}

/** The checks RFC 6902 asks for that fast-json-patch skips. */
function checkApplies(op: Operation): void {
  if (op.op === 'remove' && op.path === '') {
    throw invalid(`json patch remove operation does not apply: cannot remove the whole document`);
  }
  if (op.op === 'move' && op.path.startsWith(`${op.from}/`)) {
    throw invalid(
      `json patch move operation does not apply: cannot move ${op.from} into its own child ${op.path}`,
    );
  }
}

function notApplicable(op: Operation, err: unknown): ApiError {
  const head = `json patch ${op.op} operation does not apply`;
  if (!(err instanceof jsonpatch.JsonPatchError)) {
    return invalid(`${head} at path ${op.path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  switch (err.name) {
    case 'TEST_OPERATION_FAILED':
      return invalid(
        `json patch test operation failed: value at path ${op.path} does not equal the expected value`,
      );
    case 'OPERATION_FROM_UNRESOLVABLE':
      return invalid(`${head}: doc is missing from path: ${'from' in op ? op.from : ''}`);
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return invalid(`${head}: array index out of bounds at path: ${op.path}`);
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
      return invalid(`${head}: invalid array index in path: ${op.path}`);
    default:
      return invalid(`${head}: doc is missing path: ${op.path}`);
  }
}

function invalid(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}
