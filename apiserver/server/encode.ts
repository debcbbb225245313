import yaml from 'js-yaml';
import { Readable } from 'node:stream';
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

/** Lists with more items than this are encoded item by item as the client reads (see sendList). */
export const STREAM_LIST_ITEMS = 64;

/**
 * Sends a list. A large JSON list is encoded one item at a time, as the socket drains (kube-apiserver
 * 1.33's streaming list encoding): a client that reads slowly, or not at all, holds the items the
 * server already had, never a second copy of the whole list as one string and buffer, and nothing
 * more is built for it while it does not read.
 */
export function sendList(reply: FastifyReply, body: JsonObject, yamlOut: boolean): FastifyReply {
  const items = body.items;
  if (yamlOut || !Array.isArray(items) || items.length <= STREAM_LIST_ITEMS)
    return send(reply, 200, body, yamlOut);
  return reply
    .code(200)
    .type('application/json')
    .send(Readable.from(encodeList(body, items)));
}

/** The JSON of `body` (whose `items` is `items`), in pieces: head, one item each, tail. */
export function* encodeList(body: JsonObject, items: unknown[]): Generator<string> {
  const { items: _, ...rest } = body;
  const head = JSON.stringify(rest);
  yield `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"items":[`;
  for (let i = 0; i < items.length; i++) yield (i > 0 ? ',' : '') + JSON.stringify(items[i]);
  yield ']}';
}
