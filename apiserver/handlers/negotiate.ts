import { errors } from '../errors.js';

export type ResponseShape = 'object' | 'table' | 'partial';
export interface Negotiated {
  shape: ResponseShape;
  yaml: boolean;
}

/**
 * Reads the Accept header as kube does: the first media type we can produce wins. We speak JSON
 * (and YAML); `as=Table` and `as=PartialObjectMetadata[List]` change what is sent. A client that
 * accepts only protobuf gets 406.
 */
export function negotiate(accept: string | undefined): Negotiated {
  if (!accept) return { shape: 'object', yaml: false };
  const candidates = accept
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const c of candidates) {
    const [type, ...rawParams] = c.split(';').map((s) => s.trim());
    const params = new Map(rawParams.map((p) => p.split('=').map((s) => s.trim()) as [string, string]));
    if (
      type === 'application/json' ||
      type === 'application/yaml' ||
      type === '*/*' ||
      type === 'application/*'
    ) {
      const as = params.get('as');
      const yaml = type === 'application/yaml';
      if (!as) return { shape: 'object', yaml };
      if (params.get('g') !== 'meta.k8s.io' || !['v1', 'v1beta1'].includes(params.get('v') ?? '')) continue;
      if (as === 'Table') return { shape: 'table', yaml };
      if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList')
        return { shape: 'partial', yaml };
    }
  }
  throw errors.notAcceptable(
    `only the following media types are accepted: application/json, application/yaml`,
  );
}
