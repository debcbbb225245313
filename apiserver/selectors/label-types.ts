/** Operators as k8s.io/apimachinery/pkg/selection spells them ('!' is DoesNotExist). */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/**
 * A parsed label selector. `requirements` are ANDed; none means "everything". `nothing` is the
 * selector a null metav1.LabelSelector converts to: it matches no object at all.
 */
export type LabelSelector =
  | { readonly nothing: false; readonly requirements: readonly LabelRequirement[] }
  | { readonly nothing: true; readonly requirements: readonly [] };
