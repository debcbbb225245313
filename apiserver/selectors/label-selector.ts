import { errors } from '../errors.js';
import { compareBytes, formatRequirement, newRequirement, requirementMatches } from './label-requirement.js';
import type { LabelRequirement, LabelSelector } from './label-types.js';
import type { MetaLabelSelector } from '../../api/kubernetes.js';

export { parseLabelSelector } from './label-parser.js';
export type { LabelOperator, LabelRequirement, LabelSelector } from './label-types.js';

/** labels.Everything(): the empty selector. */
export const EVERYTHING: LabelSelector = Object.freeze({ nothing: false, requirements: Object.freeze([]) });
/** labels.Nothing(): what a null metav1.LabelSelector means. */
export const NOTHING: LabelSelector = Object.freeze({ nothing: true, requirements: Object.freeze([]) as [] });

export type { MetaLabelSelector } from '../../api/kubernetes.js';

const META_OPERATORS: Readonly<Record<string, LabelRequirement['operator']>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * metav1.LabelSelectorAsSelector. null/undefined → NOTHING (matches no object); an empty selector
 * ({} or only empty lists) → EVERYTHING. An invalid key, value or operator throws a 400 with the
 * message Kubernetes produces.
 */
export function labelSelectorFromMeta(sel: MetaLabelSelector | null | undefined): LabelSelector {
  if (sel === null || sel === undefined) return NOTHING;
  const labels = Object.entries(sel.matchLabels ?? {});
  const exprs = sel.matchExpressions ?? [];
  if (labels.length + exprs.length === 0) return EVERYTHING;
  try {
    const reqs: LabelRequirement[] = labels.map(([k, v]) => newRequirement(k, '=', [v]));
    for (const e of exprs) {
      const op = META_OPERATORS[e.operator];
      if (!op) throw new Error(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
      // Go copies the values with append(nil, ...), so an empty list reports as null.
      reqs.push(newRequirement(e.key, op, e.values?.length ? e.values : null));
    }
    reqs.sort((a, b) => compareBytes(a.key, b.key));
    return { nothing: false, requirements: reqs };
  } catch (e) {
    throw errors.badRequest((e as Error).message);
  }
}

/** labels.SelectorFromSet: equality on every entry; empty or missing → EVERYTHING. */
export function labelSelectorFromSet(
  set: Readonly<Record<string, string>> | null | undefined,
): LabelSelector {
  const reqs = Object.entries(set ?? {})
    .map(([key, v]): LabelRequirement => ({ key, operator: '=', values: [v] }))
    .sort((a, b) => compareBytes(a.key, b.key));
  return { nothing: false, requirements: reqs };
}

export function matchesLabels(sel: LabelSelector, labels?: Readonly<Record<string, string>> | null): boolean {
  if (sel.nothing) return false;
  const ls = labels ?? {};
  return sel.requirements.every((r) => requirementMatches(r, ls));
}

export function isEverything(sel: LabelSelector): boolean {
  return !sel.nothing && sel.requirements.length === 0;
}

/** Selector.String(): the canonical query form; '' for both EVERYTHING and NOTHING. */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel.requirements.map(formatRequirement).join(',');
}

/** metav1.FormatLabelSelector, as printers show selectors: '<none>' when empty, '<error>' when invalid. */
export function formatMetaLabelSelector(sel: MetaLabelSelector | null | undefined): string {
  let parsed: LabelSelector;
  try {
    parsed = labelSelectorFromMeta(sel);
  } catch {
    return '<error>';
  }
  return formatLabelSelector(parsed) || '<none>';
}

/** labels.FormatLabels / Set.String(): sorted `k=v` pairs, '<none>' when there are none. */
export function formatLabels(set: Readonly<Record<string, string>> | null | undefined): string {
  return formatLabelSelector(labelSelectorFromSet(set)) || '<none>';
}
