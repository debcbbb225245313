import {
  JsonPathError,
  parseJsonPath,
  type CompareOp,
  type Literal,
  type Operand,
  type SliceParams,
  type Step,
} from './jsonpath-parse.js';

export { JsonPathError, parseJsonPath } from './jsonpath-parse.js';
export type { Step as JsonPathStep } from './jsonpath-parse.js';

/** An evaluation failure client-go reports as an error; printer columns show it as an empty cell. */
class EvalError extends Error {}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObject(v)) return Object.values(v);
  return [];
}

/** client-go's evalArray, including its bounds errors. */
function slice(arr: unknown[], p: SliceParams): unknown[] {
  const len = arr.length;
  let start = p.start ?? 0;
  if (start < 0) start += len;
  let end = p.index ? (p.start ?? 0) + 1 : (p.end ?? len);
  if (end < 0 || (end === 0 && p.index)) end += len;
  if (end === start) return [];
  if (start >= len || start < 0)
    throw new EvalError(`array index out of bounds: index ${start}, length ${len}`);
  if (end > len || end < 0) throw new EvalError(`array index out of bounds: index ${end - 1}, length ${len}`);
  if (start > end) throw new EvalError(`starting index ${start} is greater than ending index ${end}`);
  const step = p.step ?? 1;
  if (step <= 0) throw new EvalError('step must be > 0');
  const out: unknown[] = [];
  for (let i = start; i < end; i += step) out.push(arr[i]);
  return out;
}

/** Each value followed by all its descendants, parents first, leaves left out (as client-go). */
function descend(values: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    const kids = children(v);
    if (kids.length === 0) continue;
    out.push(v, ...descend(kids));
  }
  return out;
}

type Comparable = string | number | boolean;

/** text/template's eq/lt semantics: values of different kinds cannot be compared. */
function compare(op: CompareOp, a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b || !['string', 'number', 'boolean'].includes(typeof a)) {
    throw new EvalError(`incompatible types for comparison: ${JSON.stringify(a)} ${op} ${JSON.stringify(b)}`);
  }
  const x = a as Comparable;
  const y = b as Comparable;
  if (op === '==') return x === y;
  if (op === '!=') return x !== y;
  if (typeof x === 'boolean') throw new EvalError('invalid type for comparison');
  switch (op) {
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    case '>=':
      return x >= y;
  }
}

function single(values: unknown[]): unknown {
  if (values.length > 1) throw new EvalError('can only compare one element at a time');
  return values[0];
}

function operand(o: Operand, item: unknown): unknown[] {
  return o.type === 'literal' ? [o.value satisfies Literal] : run(o.steps, [item]);
}

function step(s: Step, input: unknown[]): unknown[] {
  const out: unknown[] = [];
  switch (s.type) {
    case 'field':
      for (const v of input)
        if (isObject(v) && Object.prototype.hasOwnProperty.call(v, s.name)) out.push(v[s.name]);
      return out;
    case 'wildcard':
      for (const v of input) out.push(...children(v));
      return out;
    case 'recursive':
      return descend(input);
    case 'slice':
      for (const v of input) {
        if (v === null || v === undefined) continue;
        if (!Array.isArray(v)) throw new EvalError(`${JSON.stringify(v)} is not array or slice`);
        out.push(...slice(v, s.params));
      }
      return out;
    case 'union':
      for (const branch of s.branches) out.push(...run(branch, input));
      return out;
    case 'exists':
    case 'filter':
      for (const v of input) {
        if (v === null || v === undefined) continue;
        if (!Array.isArray(v))
          throw new EvalError(`${JSON.stringify(v)} is not array or slice and cannot be filtered`);
        for (const item of v) if (keep(s, item)) out.push(item);
      }
      return out;
  }
}

function keep(s: Extract<Step, { type: 'exists' | 'filter' }>, item: unknown): boolean {
  if (s.type === 'exists') return run(s.path, [item]).length > 0;
  const left = run(s.left, [item]);
  if (left.length === 0) return false;
  const l = single(left);
  const right = operand(s.right, item);
  if (right.length === 0) return false;
  return compare(s.op, l, single(right));
}

function run(steps: Step[], input: unknown[]): unknown[] {
  let cur = input;
  for (const s of steps) cur = step(s, cur);
  return cur;
}

/**
 * Evaluates a printer-column JSONPath against a JSON value, as client-go's jsonpath with
 * AllowMissingKeys(true): missing fields give no result rather than an error. Fields set to
 * null come back as null. An invalid path throws a JsonPathError; failures client-go reports
 * while evaluating (index out of range, comparing a string with a number, ...) give [].
 */
export function evaluateJsonPath(obj: unknown, path: string): unknown[] {
  return evaluateSteps(parseJsonPath(path), obj);
}

/** Evaluation of a path parsed once with parseJsonPath, for repeated use over many objects. */
export function evaluateSteps(steps: Step[], obj: unknown): unknown[] {
  try {
    return run(steps, [obj]);
  } catch (e) {
    if (e instanceof EvalError) return [];
    throw e;
  }
}

/** Throws a JsonPathError if `path` would not parse; for validating CRD printer columns. */
export function validateJsonPath(path: string): void {
  parseJsonPath(path);
}

export const isJsonPathError = (e: unknown): e is JsonPathError => e instanceof JsonPathError;
