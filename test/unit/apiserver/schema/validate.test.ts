import assert from 'node:assert/strict';
import { validateAgainstSchema } from '../../../../apiserver/schema/validate.js';
import type { JSONSchemaProps, StatusCause } from '../../../../api/kubernetes.js';

const schema: JSONSchemaProps = {
  type: 'object',
  required: ['spec', 'metadata'],
  properties: {
    metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 3 } } },
    spec: {
      type: 'object',
      required: ['template'],
      properties: {
        template: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        replicas: { type: 'integer', minimum: 1, maximum: 10 },
        weight: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true },
        step: { type: 'integer', multipleOf: 5 },
        propagation: { type: 'string', enum: ['Enabled', 'Disabled'] },
        level: { type: 'integer', enum: [1, 2] },
        name: { type: 'string', pattern: '^[a-z0-9\\-]+$', minLength: 2, maxLength: 5 },
        note: { type: 'string', nullable: true },
        choice: { type: 'string', nullable: true, enum: ['a'] },
        port: { 'x-kubernetes-int-or-string': true },
        clusters: { type: 'array', minItems: 1, maxItems: 2, uniqueItems: true, items: { type: 'string' } },
        items: {
          type: 'array',
          items: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
        },
        selector: {
          type: 'object',
          minProperties: 1,
          maxProperties: 2,
          additionalProperties: { type: 'string' },
        },
        email: { type: 'string', format: 'email' },
        when: { type: 'string', format: 'date-time' },
        day: { type: 'string', format: 'date' },
        ip: { type: 'string', format: 'ipv4' },
        net: { type: 'string', format: 'cidr' },
        id: { type: 'string', format: 'uuid' },
        count: { type: 'integer', format: 'int32' },
        ratio: { type: 'number', format: 'double' },
        odd: { type: 'string', format: 'no-such-format' },
        either: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
      },
    },
  },
};

const base = {
  apiVersion: 'example.io/v1',
  kind: 'Thing',
  metadata: { name: 'toolong' },
  spec: { template: {} },
};
const withSpec = (spec: Record<string, unknown>) => ({ ...base, spec: { template: {}, ...spec } });

const cases: { name: string; obj: unknown; causes: StatusCause[] }[] = [
  { name: 'valid object (metadata is not validated by the schema)', obj: base, causes: [] },
  {
    name: 'type mismatch',
    obj: withSpec({ replicas: 'string' }),
    causes: [
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.replicas',
        message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      },
    ],
  },
  {
    name: 'required field',
    obj: { ...base, spec: {} },
    causes: [{ reason: 'FieldValueRequired', field: 'spec.template', message: 'Required value' }],
  },
  {
    name: 'enum',
    obj: withSpec({ propagation: 'Foo', level: 3 }),
    causes: [
      {
        reason: 'FieldValueNotSupported',
        field: 'spec.level',
        message: 'Unsupported value: 3: supported values: "1", "2"',
      },
      {
        reason: 'FieldValueNotSupported',
        field: 'spec.propagation',
        message: 'Unsupported value: "Foo": supported values: "Enabled", "Disabled"',
      },
    ],
  },
  {
    name: 'numeric bounds, inclusive and exclusive, and multipleOf',
    obj: withSpec({ replicas: 0, weight: 1, step: 7 }),
    causes: [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: 'Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
      },
      {
        reason: 'FieldValueInvalid',
        field: 'spec.step',
        message: 'Invalid value: 7: spec.step in body should be a multiple of 5',
      },
      {
        reason: 'FieldValueInvalid',
        field: 'spec.weight',
        message: 'Invalid value: 1: spec.weight in body should be less than 1',
      },
    ],
  },
  {
    name: 'maximum and exclusive minimum',
    obj: withSpec({ replicas: 11, weight: 0 }),
    causes: [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: 'Invalid value: 11: spec.replicas in body should be less than or equal to 10',
      },
      {
        reason: 'FieldValueInvalid',
        field: 'spec.weight',
        message: 'Invalid value: 0: spec.weight in body should be greater than 0',
      },
    ],
  },
  {
    name: 'string pattern and length',
    obj: withSpec({ name: 'Ab_cdef' }),
    causes: [
      { reason: 'FieldValueTooLong', field: 'spec.name', message: 'Too long: may not be longer than 5' },
      {
        reason: 'FieldValueInvalid',
        field: 'spec.name',
        message: `Invalid value: "Ab_cdef": spec.name in body should match '^[a-z0-9\\-]+$'`,
      },
    ],
  },
  {
    name: 'minLength',
    obj: withSpec({ name: 'a' }),
    causes: [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.name',
        message: 'Invalid value: "a": spec.name in body should be at least 2 chars long',
      },
    ],
  },
  {
    name: 'array bounds and uniqueness',
    obj: withSpec({ clusters: ['a', 'a', 'b'] }),
    causes: [
      {
        reason: 'FieldValueTooMany',
        field: 'spec.clusters',
        message: 'Too many: 3: must have at most 2 items',
      },
      {
        reason: 'FieldValueInvalid',
        field: 'spec.clusters',
        message: `Invalid value: "": spec.clusters in body shouldn't contain duplicates`,
      },
    ],
  },
  {
    name: 'minItems',
    obj: withSpec({ clusters: [] }),
    causes: [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.clusters',
        message: 'Invalid value: 0: spec.clusters in body should have at least 1 items',
      },
    ],
  },
  {
    name: 'errors inside lists and maps use Kubernetes paths',
    obj: withSpec({ items: [{ id: 'a' }, {}, { id: 3 }], selector: { a: 1 } }),
    causes: [
      { reason: 'FieldValueRequired', field: 'spec.items[1].id', message: 'Required value' },
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.items[2].id',
        message: 'Invalid value: "integer": spec.items[2].id in body must be of type string: "integer"',
      },
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.selector.a',
        message: 'Invalid value: "integer": spec.selector.a in body must be of type string: "integer"',
      },
    ],
  },
  {
    name: 'property counts',
    obj: withSpec({ selector: {} }),
    causes: [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.selector',
        message: 'Invalid value: 1: spec.selector in body should have at least 1 properties',
      },
    ],
  },
  {
    name: 'nullable accepts null; non-nullable rejects it',
    obj: withSpec({ note: null, choice: null, name: null }),
    causes: [
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.name',
        message: 'Invalid value: "null": spec.name in body must be of type string: "null"',
      },
    ],
  },
  {
    name: 'int-or-string',
    obj: withSpec({ port: true }),
    causes: [
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.port',
        message: 'Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
      },
    ],
  },
  { name: 'int-or-string accepts both', obj: withSpec({ port: 'http' }), causes: [] },
  {
    name: 'validated formats',
    obj: withSpec({
      email: 'nope',
      when: '2024-02-30T00:00:00Z',
      day: '2024-1-1',
      ip: '1.2.3',
      net: '10.0.0.0/33',
      id: 'xyz',
    }),
    causes: [
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.day',
        message: 'Invalid value: "2024-1-1": spec.day in body must be of type date: "2024-1-1"',
      },
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.email',
        message: 'Invalid value: "nope": spec.email in body must be of type email: "nope"',
      },
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.id',
        message: 'Invalid value: "xyz": spec.id in body must be of type uuid: "xyz"',
      },
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.ip',
        message: 'Invalid value: "1.2.3": spec.ip in body must be of type ipv4: "1.2.3"',
      },
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.net',
        message: 'Invalid value: "10.0.0.0/33": spec.net in body must be of type cidr: "10.0.0.0/33"',
      },
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.when',
        message:
          'Invalid value: "2024-02-30T00:00:00Z": spec.when in body must be of type date-time: "2024-02-30T00:00:00Z"',
      },
    ],
  },
  {
    name: 'valid formats, numeric formats and unknown formats pass',
    obj: withSpec({
      email: 'a@b.io',
      when: '2024-02-29T10:00:00.5+01:00',
      day: '2024-02-29',
      ip: '10.1.2.3',
      net: 'fd00::/8',
      id: '123e4567-e89b-12d3-a456-426614174000',
      count: 99999999999,
      ratio: 0.5,
      odd: 'whatever',
    }),
    causes: [],
  },
  {
    name: 'anyOf reports one cause for the node',
    obj: withSpec({ either: true }),
    causes: [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.either',
        message: 'Invalid value: "": "spec.either" must validate at least one schema (anyOf)',
      },
    ],
  },
  {
    name: 'apiVersion and kind must be strings',
    obj: { ...base, apiVersion: 1, kind: ['x'] },
    causes: [
      {
        reason: 'FieldValueTypeInvalid',
        field: 'apiVersion',
        message: 'Invalid value: "integer": apiVersion in body must be of type string: "integer"',
      },
      {
        reason: 'FieldValueTypeInvalid',
        field: 'kind',
        message: 'Invalid value: "array": kind in body must be of type string: "array"',
      },
    ],
  },
];

describe('schema/validate', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(validateAgainstSchema(c.obj, schema), c.causes);
    });
  }

  it('is deterministic and caches per schema object', () => {
    const obj = withSpec({ replicas: 'x', name: 'Ab_cdef', items: [{}] });
    assert.deepEqual(validateAgainstSchema(obj, schema), validateAgainstSchema(structuredClone(obj), schema));
  });

  it('does not throw on patterns JavaScript cannot compile', () => {
    const s: JSONSchemaProps = { type: 'object', properties: { a: { type: 'string', pattern: '(?i)abc' } } };
    assert.deepEqual(validateAgainstSchema({ a: 'x' }, s), []);
  });
});
