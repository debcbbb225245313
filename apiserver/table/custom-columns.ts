import type { PrinterColumn } from '../../api/kubernetes.js';
import { CREATION_TIMESTAMP_DESCRIPTION, nameColumn, type ColumnDefinition } from './columns.js';
import { humanDuration, parseRfc3339 } from './duration.js';
import { evaluateSteps, parseJsonPath, type JsonPathStep } from './jsonpath.js';
import type { Printer } from './printer.js';

/** What apiextensions-apiserver serves for a version without additionalPrinterColumns. */
export const DEFAULT_CUSTOM_COLUMNS: readonly PrinterColumn[] = [
  {
    name: 'Age',
    type: 'date',
    description: CREATION_TIMESTAMP_DESCRIPTION,
    jsonPath: '.metadata.creationTimestamp',
  },
];

/**
 * Go's %v of a decoded JSON number: integers are int64 and print in full; other numbers are
 * float64, whose %v switches to exponent form below 1e-4 and from 1e6.
 */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  const [mantissa, exp] = n.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(n);
}

/** encoding/json.Marshal: map keys sorted, HTML-sensitive characters escaped. */
function goJson(v: unknown): string {
  const sortKeys = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sortKeys);
    if (x && typeof x === 'object') {
      return Object.fromEntries(
        Object.keys(x)
          .sort()
          .map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]),
      );
    }
    return x;
  };
  return JSON.stringify(sortKeys(v))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** How jsonpath's PrintResults renders one value for a 'string' column. */
function printed(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  return goJson(v);
}

/** tableconvertor's cellForJSONValue, plus the 'string' case; values of the wrong type give null. */
export function customCell(type: string, value: unknown, now: number): unknown {
  if (type === 'string') return printed(value);
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      if (value === '') return '<unknown>';
      const t = parseRfc3339(value);
      // kube-apiserver itself turns dates into ages; kubectl prints them as sent.
      return t === undefined ? '<invalid>' : humanDuration(now - t);
    }
    default:
      return null;
  }
}

/**
 * The table of a custom resource version: Name, then its printer columns (or Age when it has
 * none). A column whose jsonPath does not parse is left out, where kube-apiserver would fall
 * back to the default table; CRD validation keeps such paths out in the first place.
 */
export function customPrinter(printerColumns: readonly PrinterColumn[]): Printer {
  const source = printerColumns.length > 0 ? printerColumns : DEFAULT_CUSTOM_COLUMNS;
  const parsed: { col: PrinterColumn; steps: JsonPathStep[] }[] = [];
  for (const col of source) {
    try {
      parsed.push({ col, steps: parseJsonPath(col.jsonPath) });
    } catch {
      continue;
    }
  }
  const columns: ColumnDefinition[] = [
    nameColumn(),
    ...parsed.map(({ col }) => ({
      name: col.name,
      type: col.type,
      format: col.format ?? '',
      description:
        col.description || `Custom resource definition column (in JSONPath format): ${col.jsonPath}`,
      priority: col.priority ?? 0,
    })),
  ];
  return {
    columns,
    print(obj, now) {
      const cells: unknown[] = [obj.metadata.name ?? ''];
      for (const { col, steps } of parsed) {
        const results = evaluateSteps(steps, obj);
        cells.push(results.length === 0 ? null : customCell(col.type, results[0], now));
      }
      return { cells };
    },
  };
}
