/**
 * Server-side apply and managedFields tracking with structured-merge-diff's semantics, driven by
 * list types alone (no OpenAPI schema): maps are granular, lists are atomic unless the resolver
 * says set or map.
 */
export type { FieldConflict, FieldManagerOptions } from './options.js';
export { applyServerSide, type ApplyResult } from './apply.js';
export { trackUpdate } from './update.js';
export { conflictError } from './conflicts.js';
