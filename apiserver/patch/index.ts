export { applyMergePatch } from './merge-patch.js';
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { applyStrategicMergePatch } from './strategic-merge.js';
export { builtinListType, builtinPatchMeta } from './builtin-patch-meta.js';
export type { PatchMeta, PatchMetaResolver, PatchStrategy } from './patch-meta.js';
export {
  PATCH_CONTENT_TYPES,
  SUPPORTED_PATCH_CONTENT_TYPES,
  patchTypeOf,
  type PatchType,
  type SupportedPatchType,
} from './content-types.js';
