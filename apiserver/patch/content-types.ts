import { errors } from '../errors.js';

/** The media types a PATCH request may carry, as kube-apiserver names them. */
export const PATCH_CONTENT_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
  /** Server-side apply in CBOR; recognised so it can be refused with 415. */
  applyCbor: 'application/apply-patch+cbor',
} as const;

export type PatchType = keyof typeof PATCH_CONTENT_TYPES;
export type SupportedPatchType = Exclude<PatchType, 'applyCbor'>;

export const SUPPORTED_PATCH_CONTENT_TYPES: readonly string[] = [
  PATCH_CONTENT_TYPES.json,
  PATCH_CONTENT_TYPES.merge,
  PATCH_CONTENT_TYPES.strategic,
  PATCH_CONTENT_TYPES.apply,
];

/**
 * The patch type of a request's Content-Type header (parameters such as charset ignored, case
 * insensitive). Anything else, CBOR apply included, is a 415.
 */
export function patchTypeOf(contentType: string | undefined): SupportedPatchType {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  for (const [type, value] of Object.entries(PATCH_CONTENT_TYPES)) {
    if (value === mediaType && type !== 'applyCbor') return type as SupportedPatchType;
  }
  throw errors.unsupportedMediaType(
    `the body of the request was in an unknown format - accepted media types include: ${SUPPORTED_PATCH_CONTENT_TYPES.join(', ')}`,
  );
}
