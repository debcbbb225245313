/** CustomResourceDefinition handling: defaulting, validation, and what the registry derives from it. */
export { defaultCustomResourceDefinition } from './crd-defaults.js';
export { validateCustomResourceDefinition, type CrdValidationOptions } from './crd-validation.js';
export { listTypeResolverFromSchema } from './list-type.js';
export { resourceInfoFromCRD } from './crd-resource-info.js';
