import yaml from 'js-yaml';
import type { FastifyReply } from 'fastify';
import { buildTable } from '../table/table.js';
import type { ResourceInfo, ResourceVersion } from '../registry/resource-info.js';
import type { JsonObject, KubeObject } from '../../api/kubernetes.js';
import type { Negotiated } from '../handlers/negotiate.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectParam(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function partial(o: KubeObject): JsonObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** Shapes one object as the client negotiated it. */
export function shapeObject(
  neg: Negotiated,
  info: ResourceInfo,
  version: ResourceVersion,
  obj: KubeObject,
  q: URLSearchParams,
  omitHeaders = false,
): JsonObject {
  if (neg.shape === 'table') {
    return buildTable(info, version.name, [obj], {
      includeObject: includeObjectParam(q),
      now: Date.now(),
      omitHeaders,
    }) as JsonObject;
  }
  if (neg.shape === 'partial') return partial(obj);
  return obj as JsonObject;
}

export function shapeList(
  neg: Negotiated,
  info: ResourceInfo,
  version: ResourceVersion,
  items: KubeObject[],
  listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number },
  apiVersion: string,
  q: URLSearchParams,
): JsonObject {
  if (neg.shape === 'table') {
    return buildTable(info, version.name, items, {
      includeObject: includeObjectParam(q),
      now: Date.now(),
      listMeta,
    }) as JsonObject;
  }
  if (neg.shape === 'partial') {
    return {
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata: listMeta,
      items: items.map(partial),
    };
  }
  return { kind: info.listKind, apiVersion, metadata: listMeta, items };
}

export function send(reply: FastifyReply, code: number, body: unknown, yamlOut = false): FastifyReply {
  if (yamlOut)
    return reply
      .code(code)
      .type('application/yaml')
      .send(yaml.dump(body, { noRefs: true }));
  return reply.code(code).type('application/json').send(JSON.stringify(body));
}
