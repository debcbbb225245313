import { Ajv, type ValidateFunction } from 'ajv';
import type { JSONSchemaProps, StatusCause } from '../../api/kubernetes.js';
import { ajvErrorsToCauses } from './ajv-causes.js';
import { formatCheck } from './formats.js';
import { toResourceJsonSchema } from './to-json-schema.js';

const ajv = new Ajv({
  allErrors: true,
  strict: false,
  verbose: true,
  // Kubernetes patterns are RE2/ECMA without the u flag (e.g. `[a-z\-]`), which u-mode rejects.
  unicodeRegExp: false,
  validateSchema: false,
  ownProperties: true,
});

const registeredFormats = new Set<string>();
const compiled = new WeakMap<JSONSchemaProps, ValidateFunction>();

function registerFormat(format: string): void {
  if (registeredFormats.has(format)) return;
  const check = formatCheck(format);
  if (!check) return;
  ajv.addFormat(format, { type: 'string', validate: check });
  registeredFormats.add(format);
}

function validatorFor(schema: JSONSchemaProps): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(toResourceJsonSchema(schema, { onFormat: registerFormat }));
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * Validates a whole custom resource against its version's openAPIV3Schema the way kube-apiserver
 * does, returning one cause per problem (empty when valid). Root metadata is left to ObjectMeta
 * validation; apiVersion and kind must be strings. Compiled validators are cached per schema object,
 * so callers should keep passing the same (unmutated) schema instance.
 */
export function validateAgainstSchema(obj: unknown, schema: JSONSchemaProps): StatusCause[] {
  const validate = validatorFor(schema);
  if (validate(obj)) return [];
  return ajvErrorsToCauses(validate.errors ?? [], obj);
}
