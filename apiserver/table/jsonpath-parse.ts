/**
 * Parser for the JSONPath dialect of k8s.io/client-go/util/jsonpath as used by printer columns:
 * one expression, optionally wrapped in {}. Bracketed keys may contain dots ('x.y'), unlike
 * client-go, which re-parses them as dotted paths.
 */

export type Literal = string | number | boolean;

export type Operand = { type: 'path'; steps: Step[] } | { type: 'literal'; value: Literal };

export type CompareOp = '==' | '!=' | '<' | '>' | '<=' | '>=';

export interface SliceParams {
  start?: number;
  end?: number;
  step?: number;
  /** A plain index ([n]): the end is n+1 and wraps like a negative index. */
  index: boolean;
}

export type Step =
  | { type: 'field'; name: string }
  | { type: 'wildcard' }
  | { type: 'recursive' }
  | { type: 'slice'; params: SliceParams }
  | { type: 'union'; branches: Step[][] }
  | { type: 'filter'; left: Step[]; op: CompareOp; right: Operand }
  | { type: 'exists'; path: Step[] };

export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

const TERMINATORS = new Set([' ', '\t', '\r', '\n', '.', ',', '[', ']', '$', '@', '{', '}']);

/** Finds the index of `close` at depth 0, skipping quoted strings. */
function findClosing(s: string, from: number, open: string, close: string): number {
  let depth = 0;
  let quote = '';
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === open) depth++;
    else if (c === close) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** Splits on `sep` outside quotes and parentheses. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === sep && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

function unquote(s: string): string | undefined {
  const q = s[0];
  if ((q !== '"' && q !== "'") || s.length < 2 || s[s.length - 1] !== q) return undefined;
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    let c = s[i];
    if (c === q) return undefined;
    if (c === '\\') {
      c = s[++i];
      if (i >= s.length - 1) return undefined;
      c = c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c;
    }
    out += c;
  }
  return out;
}

const SLICE = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;

function parseSlice(text: string): SliceParams | undefined {
  const m = SLICE.exec(text);
  if (!m) return undefined;
  const num = (v: string): number | undefined => (v === '' ? undefined : Number(v));
  if (m[2] === undefined) {
    if (m[1] === '' || m[1] === '-') return undefined;
    return { start: Number(m[1]), index: true };
  }
  if (m[1] === '-') return undefined;
  const end = m[2].slice(1);
  const step = m[3]?.slice(1) ?? '';
  if (end === '-' || step === '-') return undefined;
  return { start: num(m[1]), end: num(end), step: num(step), index: false };
}

function parseBracketItem(text: string, whole: string): Step {
  const t = text.trim();
  if (t === '*') return { type: 'wildcard' };
  const key = unquote(t);
  if (key !== undefined) return { type: 'field', name: key };
  const slice = parseSlice(t);
  if (!slice) throw new JsonPathError(`invalid array index ${whole}`);
  return { type: 'slice', params: slice };
}

const COMPARISON = /^([^!<>=]+)(==|!=|<=|>=|<|>)(.+)$/;

function parseOperand(text: string): Operand {
  const t = text.trim();
  const str = unquote(t);
  if (str !== undefined) return { type: 'literal', value: str };
  if (t === 'true' || t === 'false') return { type: 'literal', value: t === 'true' };
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return { type: 'literal', value: Number(t) };
  return { type: 'path', steps: parseSteps(t) };
}

function parseFilter(inner: string): Step {
  const m = COMPARISON.exec(inner);
  if (!m) return { type: 'exists', path: parseSteps(inner.trim()) };
  return { type: 'filter', left: parseSteps(m[1].trim()), op: m[2] as CompareOp, right: parseOperand(m[3]) };
}

/** Parses a path; '$' and '@' both mean "the value being looked at", as in client-go. */
function parseSteps(src: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  if (src[0] === '$' || src[0] === '@') i = 1;
  else if (src.length > 0 && src[0] !== '.' && src[0] !== '[') {
    throw new JsonPathError(`unrecognized identifier ${/^[^.[\]]*/.exec(src)?.[0] ?? src}`);
  }
  while (i < src.length) {
    const c = src[i];
    if (c === '.') {
      if (src[i + 1] === '.') {
        if (steps.at(-1)?.type === 'recursive') throw new JsonPathError('invalid multiple recursive descent');
        steps.push({ type: 'recursive' });
        i += 2;
        if (i >= src.length) throw new JsonPathError('recursive descent needs something to look for');
        if (src[i] === '[') continue;
      } else {
        i++;
      }
      let name = '';
      while (i < src.length && !TERMINATORS.has(src[i])) {
        if (src[i] === '\\' && i + 1 < src.length) i++;
        name += src[i++];
      }
      if (name === '*') steps.push({ type: 'wildcard' });
      else if (name !== '') steps.push({ type: 'field', name });
    } else if (c === '[') {
      if (src.startsWith('[?(', i)) {
        const close = findClosing(src, i + 3, '(', ')');
        if (close < 0) throw new JsonPathError('unterminated filter');
        if (src[close + 1] !== ']') throw new JsonPathError('unclosed array expect ]');
        steps.push(parseFilter(src.slice(i + 3, close)));
        i = close + 2;
        continue;
      }
      const close = findClosing(src, i + 1, '[', ']');
      if (close < 0) throw new JsonPathError('unterminated array');
      const text = src.slice(i + 1, close);
      const parts = splitTop(text, ',');
      if (parts.length > 1) {
        steps.push({ type: 'union', branches: parts.map((p) => [parseBracketItem(p, text)]) });
      } else {
        steps.push(parseBracketItem(text, text));
      }
      i = close + 1;
    } else {
      throw new JsonPathError(
        `unrecognized character in action: ${JSON.stringify(c)} at position ${i} of ${src}`,
      );
    }
  }
  return steps;
}

/**
 * Parses a printer-column style JSONPath ('.status.replicas', '{.a[*].b}'), throwing a
 * JsonPathError that says what is wrong.
 */
export function parseJsonPath(path: string): Step[] {
  let src = path.trim();
  if (src.startsWith('{')) {
    if (!src.endsWith('}')) throw new JsonPathError(`unclosed action in ${path}`);
    src = src.slice(1, -1).trim();
    if (src.includes('{') || src.includes('}')) {
      throw new JsonPathError(`only one {} expression is supported: ${path}`);
    }
  } else if (src.includes('}')) {
    throw new JsonPathError(`unexpected '}' in ${path}`);
  }
  if (src === '') throw new JsonPathError('empty JSONPath');
  return parseSteps(src);
}
