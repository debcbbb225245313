import { isQualifiedName, isValidLabelValue } from '../validation/rules.js';
import type { LabelOperator, LabelRequirement } from './label-types.js';

/** field.Error.Error() for an Invalid value, as the selector code words it. */
const invalid = (path: string, value: unknown, detail: string): string =>
  `${path}: Invalid value: ${JSON.stringify(value ?? null)}: ${detail}`;

/** validateLabelKey: '' when the key is fine. */
export function labelKeyError(key: string, path: string): string {
  const errs = isQualifiedName(key);
  return errs.length ? invalid(path, key, errs.join('; ')) : '';
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several deduplicated in brackets. */
export function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

const isInt64 = (s: string): boolean =>
  /^[+-]?\d+$/.test(s) && BigInt(s) <= 2n ** 63n - 1n && BigInt(s) >= -(2n ** 63n);

/**
 * labels.NewRequirement: builds a requirement, throwing an Error with Kubernetes' aggregated
 * field errors when the key, operator or values are not acceptable. `values` of null stands for
 * a Go nil slice (it prints as null in messages).
 */
export function newRequirement(
  key: string,
  operator: string,
  values: readonly string[] | null,
): LabelRequirement {
  const errs: string[] = [];
  const keyErr = labelKeyError(key, 'key');
  if (keyErr) errs.push(keyErr);
  const vals = values ?? [];
  switch (operator) {
    case 'in':
    case 'notin':
      if (vals.length === 0)
        errs.push(invalid('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1)
        errs.push(invalid('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0)
        errs.push(invalid('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) {
        errs.push(invalid('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      vals.forEach((v, i) => {
        if (!isInt64(v))
          errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(
        `operator: Unsupported value: ${JSON.stringify(operator)}: supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"`,
      );
  }
  vals.forEach((v, i) => {
    const msgs = isValidLabelValue(v);
    if (msgs.length) errs.push(invalid(`values[${i}][${key}]`, v, msgs.join('; ')));
  });
  if (errs.length) throw new Error(aggregate(errs));
  return { key, operator: operator as LabelOperator, values: [...vals] };
}

export function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : '';
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1 || !isInt64(value) || !isInt64(r.values[0])) return false;
      const actual = BigInt(value);
      const bound = BigInt(r.values[0]);
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

const OPERATOR_TEXT: Record<LabelOperator, string> = {
  '=': '=',
  '==': '==',
  '!=': '!=',
  in: ' in ',
  notin: ' notin ',
  gt: '>',
  lt: '<',
  exists: '',
  '!': '',
};

/** Requirement.String(): values sorted, set operators parenthesised. */
export function formatRequirement(r: LabelRequirement): string {
  const head = `${r.operator === '!' ? '!' : ''}${r.key}`;
  if (r.operator === 'exists' || r.operator === '!') return head;
  const values = r.values.length === 1 ? r.values[0] : [...r.values].sort(compareBytes).join(',');
  const set = r.operator === 'in' || r.operator === 'notin';
  return `${head}${OPERATOR_TEXT[r.operator]}${set ? `(${values})` : values}`;
}

/** Go's string ordering (bytewise), which for these ASCII keys is code-unit order. */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
