import { errors } from '../errors.js';

export { allowedFieldLabels, builtinSelectableFields, objectFields } from './field-labels.js';

export interface FieldRequirement {
  readonly field: string;
  /** '==' parses to '=' as in Kubernetes: both are hasTerm. */
  readonly operator: '=' | '!=';
  readonly value: string;
}

/** Requirements are ANDed; none means "everything". */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

/** Splits on commas not escaped with a backslash; escapes stay in the pieces. */
function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    if (escaped) escaped = false;
    else if (s[i] === '\\') escaped = true;
    else if (s[i] === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const TERM_OPERATORS = ['!=', '==', '='] as const;

function splitTerm(term: string): [string, (typeof TERM_OPERATORS)[number], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** fields.UnescapeValue: `\\`, `\,` and `\=` are the only escapes; bare ',' and '=' are errors. */
function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let escaped = false;
  for (const c of s) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw new Error(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === ',' || c === '=') {
      // Go formats the rune with %v, which prints its code point number.
      throw new Error(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (escaped) throw new Error('invalid field selector: invalid escape sequence: \\');
  return out;
}

/**
 * fields.ParseSelector: `a=b`, `a==b`, `a!=b`, comma-joined, values escaped with backslashes.
 * Like Kubernetes, no whitespace is trimmed and terms are kept in sorted order. Errors throw a
 * 400 BadRequest with Kubernetes' message.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  const terms = splitTerms(s).sort();
  for (const term of terms) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (!parts) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    const [field, op, raw] = parts;
    let value: string;
    try {
      value = unescapeValue(raw);
    } catch (e) {
      throw errors.badRequest((e as Error).message);
    }
    requirements.push({ field, operator: op === '!=' ? '!=' : '=', value });
  }
  return { requirements };
}

/** A missing field reads as '' — so `x=` matches objects without x, as in Kubernetes. */
export function matchesFields(sel: FieldSelector, fields: Readonly<Record<string, string>>): boolean {
  return sel.requirements.every((r) => {
    const actual = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field] : '';
    return r.operator === '=' ? actual === r.value : actual !== r.value;
  });
}

/**
 * The field-label conversion step: every field must be one the resource supports (see
 * allowedFieldLabels), else 400 "field label not supported: <field>".
 */
export function validateFieldSelector(sel: FieldSelector, allowed: readonly string[]): void {
  for (const r of sel.requirements) {
    if (!allowed.includes(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
  }
}

const escapeValue = (v: string): string => v.replace(/[\\,=]/g, (c) => `\\${c}`);

/** Selector.String(). */
export function formatFieldSelector(sel: FieldSelector): string {
  return sel.requirements.map((r) => `${r.field}${r.operator}${escapeValue(r.value)}`).join(',');
}

/** The value `field=<value>` requires, if the selector pins that field (RequiresExactMatch). */
export function requiredFieldValue(sel: FieldSelector, field: string): string | undefined {
  return sel.requirements.find((r) => r.field === field && r.operator === '=')?.value;
}
