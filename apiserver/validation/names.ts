/** Name and metadata validation, as kube-apiserver performs it before storing an object. */
export {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPathSegmentPrefix,
  validateName,
  type NameRule,
} from './rules.js';
export {
  TOTAL_ANNOTATION_SIZE_LIMIT,
  validateAnnotations,
  validateFinalizers,
  validateLabels,
  validateObjectMeta,
  validateOwnerReferences,
  type ObjectMetaRules,
} from './object-meta.js';
