import { builtinSchema } from '../schema/builtin-schemas.js';
import type { ResourceInfo } from './resource-info.js';

/**
 * A create-only resource that is never stored (SelfSubjectAccessReview, TokenReview, ...): served
 * in discovery with the single verb `create`; a handler answers each POST.
 */
export function virtualResource(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced = false,
): ResourceInfo {
  return {
    group,
    resource,
    kind,
    listKind: `${kind}List`,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    versions: [
      {
        name: version,
        served: true,
        storage: true,
        printerColumns: [],
        // For kubectl explain and OpenAPI; the handler, not the schema, reads the body.
        schema: builtinSchema(group, version, kind),
        subresources: { status: false },
        selectableFields: [],
      },
    ],
    storageVersion: version,
    builtin: true,
    listType: () => undefined,
    verbs: ['create'],
  };
}
