import type { KubeObject } from '../../api/kubernetes.js';
import { isPlainObject } from './field-path.js';
import { ensureObject, objectAt, stringAt } from './json-access.js';

/**
 * apiextensions.k8s.io/v1 defaulting (SetDefaults_CustomResourceDefinition*): singular from kind,
 * listKind = kind + "List", conversion strategy None, webhook service port 443. Mutates crd.
 */
export function defaultCustomResourceDefinition(crd: KubeObject): void {
  if (!isPlainObject(crd.spec)) return;
  const spec = crd.spec;
  const names = ensureObject(spec, 'names');
  const kind = stringAt(names, 'kind');
  if (!stringAt(names, 'singular') && kind) names.singular = kind.toLowerCase();
  if (!stringAt(names, 'listKind') && kind) names.listKind = `${kind}List`;

  const conversion = ensureObject(spec, 'conversion');
  if (!stringAt(conversion, 'strategy')) conversion.strategy = 'None';
  const service = objectAt(objectAt(objectAt(conversion, 'webhook'), 'clientConfig'), 'service');
  if (conversion.strategy === 'Webhook' && service && service.port === undefined) service.port = 443;
}
