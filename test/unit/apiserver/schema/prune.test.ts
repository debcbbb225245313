import assert from 'node:assert/strict';
import { pruneUnknownFields } from '../../../../apiserver/schema/prune.js';
import type { JSONSchemaProps } from '../../../../api/kubernetes.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        placement: { type: 'object', properties: { clusters: { type: 'array', items: { type: 'string' } } } },
        items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        nested: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { a: { type: 'string' } } },
        },
        free: { type: 'object', additionalProperties: true },
        raw: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { typed: { type: 'object', properties: { k: { type: 'string' } } } },
        },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { x: { type: 'string' } } } },
        },
      },
    },
    status: { type: 'object', properties: { ready: { type: 'boolean' } } },
  },
};

interface Case {
  name: string;
  input: Record<string, unknown>;
  opts?: { isResourceRoot?: boolean };
  pruned: string[];
  output: Record<string, unknown>;
}

const cases: Case[] = [
  {
    name: 'keeps a fully specified object untouched',
    input: {
      apiVersion: 'a/v1',
      kind: 'K',
      metadata: { name: 'x' },
      spec: { placement: { clusters: ['a'] } },
    },
    pruned: [],
    output: {
      apiVersion: 'a/v1',
      kind: 'K',
      metadata: { name: 'x' },
      spec: { placement: { clusters: ['a'] } },
    },
  },
  {
    name: 'prunes unknown nested fields with their paths',
    input: { spec: { placement: { cluster: 'x', clusters: [] }, bogus: 1 }, extra: true },
    pruned: ['extra', 'spec.bogus', 'spec.placement.cluster'],
    output: { spec: { placement: { clusters: [] } } },
  },
  {
    name: 'uses list positions in paths',
    input: { spec: { items: [{ name: 'a' }, { name: 'b', foo: 1 }] } },
    pruned: ['spec.items[1].foo'],
    output: { spec: { items: [{ name: 'a' }, { name: 'b' }] } },
  },
  {
    name: 'prunes each additionalProperties value by its schema and keeps with true',
    input: { spec: { labels: { a: 'b' }, nested: { k: { a: 'x', b: 'y' } }, free: { any: { thing: 1 } } } },
    pruned: ['spec.nested.k.b'],
    output: { spec: { labels: { a: 'b' }, nested: { k: { a: 'x' } }, free: { any: { thing: 1 } } } },
  },
  {
    name: 'preserve-unknown-fields keeps unknown keys but prunes inside specified ones',
    input: { spec: { raw: { anything: { deep: 1 }, typed: { k: 'v', drop: 1 } } } },
    pruned: ['spec.raw.typed.drop'],
    output: { spec: { raw: { anything: { deep: 1 }, typed: { k: 'v' } } } },
  },
  {
    name: 'embedded resources keep apiVersion, kind and ObjectMeta fields',
    input: {
      spec: {
        template: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { labels: { a: 'b' }, junk: 1 },
          spec: { x: 'y', z: 1 },
        },
      },
    },
    pruned: ['spec.template.metadata.junk', 'spec.template.spec.z'],
    output: {
      spec: {
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { labels: { a: 'b' } }, spec: { x: 'y' } },
      },
    },
  },
  {
    name: 'root metadata is pruned to ObjectMeta',
    input: {
      apiVersion: 'a/v1',
      kind: 'K',
      metadata: {
        name: 'x',
        foo: 'bar',
        ownerReferences: [{ uid: 'u', name: 'n', kind: 'K', apiVersion: 'v1', extra: 1 }],
      },
    },
    pruned: ['metadata.foo', 'metadata.ownerReferences[0].extra'],
    output: {
      apiVersion: 'a/v1',
      kind: 'K',
      metadata: { name: 'x', ownerReferences: [{ uid: 'u', name: 'n', kind: 'K', apiVersion: 'v1' }] },
    },
  },
  {
    name: 'not a resource root: apiVersion/kind/metadata are ordinary fields',
    input: { apiVersion: 'a/v1', kind: 'K', metadata: {}, spec: {} },
    opts: { isResourceRoot: false },
    pruned: ['apiVersion', 'kind', 'metadata'],
    output: { spec: {} },
  },
];

describe('schema/prune', () => {
  for (const c of cases) {
    it(c.name, () => {
      const obj = structuredClone(c.input);
      assert.deepEqual(pruneUnknownFields(obj, schema, c.opts), c.pruned);
      assert.deepEqual(obj, c.output);
    });
  }
});
