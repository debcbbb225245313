import assert from 'node:assert/strict';
import { applyDefaults } from '../../../../apiserver/schema/defaults.js';
import type { JSONSchemaProps } from '../../../../api/kubernetes.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      default: {},
      properties: {
        replicas: { type: 'integer', default: 1 },
        mode: { type: 'string', default: 'Auto' },
        maybe: { type: 'string', nullable: true, default: 'x' },
        placement: {
          type: 'object',
          default: { clusters: [] },
          properties: { policy: { type: 'string', default: 'Spread' } },
        },
        ports: {
          type: 'array',
          items: { type: 'object', properties: { protocol: { type: 'string', default: 'TCP' } } },
        },
        weights: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { w: { type: 'integer', default: 5 } } },
        },
        names: { type: 'array', items: { type: 'string', default: 'unnamed' } },
      },
    },
  },
};

const cases: { name: string; input: Record<string, unknown>; output: Record<string, unknown> }[] = [
  {
    name: 'defaults a missing object and then its fields',
    input: {},
    output: {
      spec: { replicas: 1, mode: 'Auto', maybe: 'x', placement: { clusters: [], policy: 'Spread' } },
    },
  },
  {
    name: 'keeps set values and replaces null only when not nullable',
    input: { spec: { replicas: 3, mode: null, maybe: null, placement: { policy: 'Pack' } } },
    output: { spec: { replicas: 3, mode: 'Auto', maybe: null, placement: { policy: 'Pack' } } },
  },
  {
    name: 'recurses into array items and additionalProperties',
    input: {
      spec: { ports: [{}, { protocol: 'UDP' }], weights: { a: {}, b: { w: 1 } }, names: [null, 'n'] },
    },
    output: {
      spec: {
        replicas: 1,
        mode: 'Auto',
        maybe: 'x',
        placement: { clusters: [], policy: 'Spread' },
        ports: [{ protocol: 'TCP' }, { protocol: 'UDP' }],
        weights: { a: { w: 5 }, b: { w: 1 } },
        names: ['unnamed', 'n'],
      },
    },
  },
];

describe('schema/defaults', () => {
  for (const c of cases) {
    it(c.name, () => {
      const obj = structuredClone(c.input);
      applyDefaults(obj, schema);
      assert.deepEqual(obj, c.output);
    });
  }

  it('copies defaults so objects never share them with the schema', () => {
    const a: Record<string, unknown> = {};
    applyDefaults(a, schema);
    ((a.spec as Record<string, unknown>).placement as Record<string, unknown[]>).clusters.push('x');
    const b: Record<string, unknown> = {};
    applyDefaults(b, schema);
    assert.deepEqual((b.spec as Record<string, Record<string, unknown>>).placement.clusters, []);
  });
});
