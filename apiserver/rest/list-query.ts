import { errors } from '../errors.js';
import type { ResourceInfo, ResourceVersion } from '../registry/resource-info.js';
import { matchesLabels, parseLabelSelector } from '../selectors/label-selector.js';
import {
  matchesFields,
  objectFields,
  parseFieldSelector,
  validateFieldSelector,
} from '../selectors/field-selector.js';
import { allowedFieldLabels } from '../selectors/field-labels.js';
import type { KubeObject } from '../../api/kubernetes.js';

type LabelSelector = ReturnType<typeof parseLabelSelector>;
type FieldSelector = ReturnType<typeof parseFieldSelector>;

/** The list/watch query parameters, parsed and checked once. */
export interface ListQuery {
  labelSelector?: LabelSelector;
  fieldSelector?: FieldSelector;
  /** metadata.name=<x> from the field selector: lets list and watch go straight to one key. */
  exactName?: string;
  limit?: number;
  continueKey?: string;
  continueRevision?: number;
  /** resourceVersionMatch=Exact. */
  exactRevision?: number;
  /** The resourceVersion parameter as sent ('' when absent). */
  resourceVersion: string;
}

export function parseListQuery(
  info: ResourceInfo,
  version: ResourceVersion,
  q: URLSearchParams,
  decodeContinue: (t: string) => { key: string; revision: number },
): ListQuery {
  const out: ListQuery = { resourceVersion: q.get('resourceVersion') ?? '' };
  const rvNum = parseResourceVersion(out.resourceVersion);
  if (rvNum === undefined) invalidResourceVersion(out.resourceVersion);
  const ls = q.get('labelSelector');
  if (ls) out.labelSelector = parseLabelSelector(ls);
  const fs = q.get('fieldSelector');
  if (fs) {
    const sel = parseFieldSelector(fs);
    validateFieldSelector(sel, allowedFieldLabels(info, version.selectableFields));
    out.fieldSelector = sel;
    const m = /(?:^|,)\s*metadata\.name\s*==?\s*([^,\s]+)\s*(?:,|$)/.exec(fs);
    if (m) out.exactName = m[1];
  }
  const limit = q.get('limit');
  if (limit) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 0) throw errors.badRequest(`invalid limit: ${limit}`);
    if (n > 0) out.limit = n;
  }
  const cont = q.get('continue');
  if (cont) {
    const c = decodeContinue(cont);
    out.continueKey = c.key;
    out.continueRevision = c.revision;
  }
  const match = q.get('resourceVersionMatch');
  if (match === 'Exact') {
    if (rvNum === 0) throw errors.badRequest('resourceVersionMatch=Exact requires a resourceVersion');
    out.exactRevision = rvNum;
  } else if (match && match !== 'NotOlderThan') {
    throw errors.badRequest(`invalid resourceVersionMatch: ${match}`);
  }
  return out;
}

export interface ListResponse {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Go's strconv.ParseUint(v, 10, 64), as kube's resourceVersion parser uses it ("" and "0" are 0). */
export function parseResourceVersion(v: string): number | undefined {
  if (v === '' || v === '0') return 0;
  if (!/^[0-9]+$/.test(v)) return undefined;
  if (BigInt(v) > 18446744073709551615n) return undefined;
  return Number(v);
}

/** The 400 kube answers for a resourceVersion that is not an unsigned integer. */
export function invalidResourceVersion(v: string): never {
  const why = /^[0-9]+$/.test(v) ? 'value out of range' : 'invalid syntax';
  throw errors.badRequest(
    `resourceVersion: Invalid value: ${JSON.stringify(v)}: strconv.ParseUint: parsing ${JSON.stringify(v)}: ${why}`,
  );
}

/** A predicate for "does this object match the selectors of the query". */
export function filterFor(
  info: ResourceInfo,
  version: ResourceVersion,
  q: ListQuery,
): (o: KubeObject) => boolean {
  const { labelSelector, fieldSelector } = q;
  if (!labelSelector && !fieldSelector) return () => true;
  const selectable = version.selectableFields.map((f) => f.replace(/^\./, ''));
  return (o) =>
    (!labelSelector || matchesLabels(labelSelector, o.metadata?.labels)) &&
    (!fieldSelector || matchesFields(fieldSelector, objectFields(o, info.namespaced, selectable)));
}
