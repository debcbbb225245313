/**
 * /openapi/v2 (Swagger 2.0): Kubernetes' published definitions of the built-in kinds, plus one
 * definition per served custom resource version (its openAPIV3Schema, which Swagger 2.0 reads
 * the same for the keywords structural schemas use), each tagged with x-kubernetes-group-version-kind
 * as kube-apiserver tags them, so clients that read v2 (kubectl explain --output plaintext-openapiv2,
 * older clients' validation) find every kind.
 */
import type { JsonObject } from '../../api/kubernetes.js';
import type { ResourceInfo } from '../registry/resource-info.js';
import { kubernetesDefinitions, type Definition } from './builtin-schemas.js';
import { schemaName } from './openapi-names.js';

const OBJECT_META = { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' };

export function openApiV2Document(resources: readonly ResourceInfo[], version: string): JsonObject {
  const definitions: Record<string, Definition> = { ...kubernetesDefinitions() };
  for (const info of resources) {
    if (info.builtin) continue;
    for (const v of info.versions) {
      if (!v.served) continue;
      const schema = (v.schema ? structuredClone(v.schema) : { type: 'object' }) as Definition;
      schema.properties = { ...schema.properties, metadata: { ...OBJECT_META } };
      schema['x-kubernetes-group-version-kind'] = [{ group: info.group, version: v.name, kind: info.kind }];
      definitions[schemaName(info, v.name, info.kind)] = schema;
    }
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version }, paths: {}, definitions };
}
