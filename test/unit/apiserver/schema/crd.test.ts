import assert from 'node:assert/strict';
import {
  defaultCustomResourceDefinition,
  listTypeResolverFromSchema,
  resourceInfoFromCRD,
  validateCustomResourceDefinition,
} from '../../../../apiserver/schema/crd.js';
import type { JSONSchemaProps, KubeObject } from '../../../../api/kubernetes.js';

const specSchema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        placement: {
          type: 'object',
          properties: {
            clusters: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name'],
              items: {
                type: 'object',
                properties: {
                  name: { type: 'string' },
                  tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
                },
              },
            },
          },
        },
        overrides: {
          type: 'object',
          additionalProperties: {
            type: 'array',
            'x-kubernetes-list-type': 'atomic',
            items: { type: 'string' },
          },
        },
      },
    },
    status: { type: 'object', properties: { replicas: { type: 'integer' } } },
  },
};

function crd(): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'federateddeployments.types.kubefed.io' },
    spec: {
      group: 'types.kubefed.io',
      scope: 'Namespaced',
      names: {
        plural: 'federateddeployments',
        kind: 'FederatedDeployment',
        shortNames: ['fdeploy'],
        categories: ['federated'],
      },
      versions: [
        {
          name: 'v1beta1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: specSchema },
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
          },
          additionalPrinterColumns: [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }],
          selectableFields: [{ jsonPath: '.spec.replicas' }],
        },
        { name: 'v1alpha1', served: false, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
      ],
    },
  };
}

function defaulted(): KubeObject {
  return defaultedWith([]);
}

describe('schema/crd defaulting', () => {
  it('fills singular, listKind and conversion', () => {
    const c = defaulted();
    const spec = c.spec as Record<string, Record<string, unknown>>;
    assert.equal(spec.names.singular, 'federateddeployment');
    assert.equal(spec.names.listKind, 'FederatedDeploymentList');
    assert.deepEqual(spec.conversion, { strategy: 'None' });
  });

  it('keeps values already set', () => {
    const c = crd();
    Object.assign((c.spec as Record<string, Record<string, unknown>>).names, {
      singular: 'fd',
      listKind: 'FDList',
    });
    defaultCustomResourceDefinition(c);
    const names = (c.spec as Record<string, Record<string, unknown>>).names;
    assert.equal(names.singular, 'fd');
    assert.equal(names.listKind, 'FDList');
  });
});

/** Sets (or with undefined, deletes) the value at a dotted path; numeric segments index lists. */
function setAt(root: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = root as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
}

type Edit = [path: string, value: unknown];

const invalidCases: { name: string; edits: Edit[]; field: string; reason: string; message?: RegExp }[] = [
  {
    name: 'name mismatch',
    edits: [['metadata.name', 'wrong']],
    field: 'metadata.name',
    reason: 'FieldValueInvalid',
    message: /must be spec.names.plural\+"."\+spec.group/,
  },
  {
    name: 'group without dot',
    edits: [
      ['spec.group', 'kubefed'],
      ['metadata.name', 'federateddeployments.kubefed'],
    ],
    field: 'spec.group',
    reason: 'FieldValueInvalid',
    message: /at least one dot/,
  },
  {
    name: 'protected group',
    edits: [
      ['spec.group', 'x.k8s.io'],
      ['metadata.name', 'federateddeployments.x.k8s.io'],
    ],
    field: 'metadata.annotations[api-approved.kubernetes.io]',
    reason: 'FieldValueRequired',
  },
  {
    name: 'plural not a DNS label',
    edits: [
      ['spec.names.plural', 'Feds'],
      ['metadata.name', 'Feds.types.kubefed.io'],
    ],
    field: 'spec.names.plural',
    reason: 'FieldValueInvalid',
    message: /DNS-1035 label/,
  },
  {
    name: 'kind invalid',
    edits: [['spec.names.kind', 'Fed_Deployment']],
    field: 'spec.names.kind',
    reason: 'FieldValueInvalid',
    message: /may have mixed case/,
  },
  {
    name: 'kind equals listKind',
    edits: [['spec.names.listKind', 'FederatedDeployment']],
    field: 'spec.names.listKind',
    reason: 'FieldValueInvalid',
    message: /may not be the same/,
  },
  {
    name: 'bad short name',
    edits: [['spec.names.shortNames', ['ok', 'Not OK']]],
    field: 'spec.names.shortNames[1]',
    reason: 'FieldValueInvalid',
  },
  {
    name: 'scope',
    edits: [['spec.scope', 'Global']],
    field: 'spec.scope',
    reason: 'FieldValueNotSupported',
    message: /supported values: "Cluster", "Namespaced"/,
  },
  {
    name: 'no versions',
    edits: [['spec.versions', []]],
    field: 'spec.versions',
    reason: 'FieldValueRequired',
  },
  {
    name: 'two storage versions',
    edits: [['spec.versions.1.storage', true]],
    field: 'spec.versions',
    reason: 'FieldValueInvalid',
    message: /exactly one version marked as storage/,
  },
  {
    name: 'duplicate versions',
    edits: [['spec.versions.1.name', 'v1beta1']],
    field: 'spec.versions',
    reason: 'FieldValueInvalid',
    message: /unique version names/,
  },
  {
    name: 'missing schema',
    edits: [['spec.versions.0.schema', undefined]],
    field: 'spec.versions[0].schema.openAPIV3Schema',
    reason: 'FieldValueRequired',
    message: /schemas are required/,
  },
  {
    name: 'missing type on a property',
    edits: [
      [
        'spec.versions.0.schema.openAPIV3Schema',
        { type: 'object', properties: { spec: { properties: {} } } },
      ],
    ],
    field: 'spec.versions[0].schema.openAPIV3Schema.properties[spec].type',
    reason: 'FieldValueRequired',
    message: /must not be empty for specified object fields/,
  },
  {
    name: 'missing type on array items',
    edits: [
      [
        'spec.versions.0.schema.openAPIV3Schema',
        { type: 'object', properties: { xs: { type: 'array', items: {} } } },
      ],
    ],
    field: 'spec.versions[0].schema.openAPIV3Schema.properties[xs].items.type',
    reason: 'FieldValueRequired',
    message: /specified array items/,
  },
  {
    name: 'root not object',
    edits: [['spec.versions.1.schema.openAPIV3Schema', { type: 'array' }]],
    field: 'spec.versions[1].schema.openAPIV3Schema.type',
    reason: 'FieldValueInvalid',
    message: /must be object at the root/,
  },
  {
    name: 'metadata beyond name/generateName',
    edits: [
      [
        'spec.versions.1.schema.openAPIV3Schema',
        {
          type: 'object',
          properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } },
        },
      ],
    ],
    field: 'spec.versions[1].schema.openAPIV3Schema.properties[metadata]',
    reason: 'FieldValueForbidden',
  },
  {
    name: 'printer column without name',
    edits: [['spec.versions.0.additionalPrinterColumns', [{ type: 'string', jsonPath: '.spec.x' }]]],
    field: 'spec.versions[0].additionalPrinterColumns[0].name',
    reason: 'FieldValueRequired',
  },
  {
    name: 'printer column bad type',
    edits: [
      ['spec.versions.0.additionalPrinterColumns', [{ name: 'X', type: 'float', jsonPath: '.spec.x' }]],
    ],
    field: 'spec.versions[0].additionalPrinterColumns[0].type',
    reason: 'FieldValueInvalid',
    message: /must be one of boolean,date,integer,number,string/,
  },
  {
    name: 'printer column without jsonPath',
    edits: [['spec.versions.0.additionalPrinterColumns', [{ name: 'X', type: 'string' }]]],
    field: 'spec.versions[0].additionalPrinterColumns[0].jsonPath',
    reason: 'FieldValueRequired',
  },
  {
    name: 'scale path outside spec',
    edits: [['spec.versions.0.subresources.scale.specReplicasPath', '.status.replicas']],
    field: 'spec.versions[0].subresources.scale.specReplicasPath',
    reason: 'FieldValueInvalid',
    message: /under .spec/,
  },
  {
    name: 'scale status path missing',
    edits: [['spec.versions.0.subresources.scale.statusReplicasPath', undefined]],
    field: 'spec.versions[0].subresources.scale.statusReplicasPath',
    reason: 'FieldValueRequired',
  },
  {
    name: 'conversion strategy',
    edits: [['spec.conversion.strategy', 'Magic']],
    field: 'spec.conversion.strategy',
    reason: 'FieldValueNotSupported',
  },
];

function defaultedWith(edits: Edit[]): KubeObject {
  const c = crd();
  defaultCustomResourceDefinition(c);
  for (const [path, value] of edits) setAt(c, path, value);
  return c;
}

describe('schema/crd validation', () => {
  it('accepts a valid, defaulted CRD', () => {
    assert.deepEqual(validateCustomResourceDefinition(defaulted()), []);
  });

  it('allows x-kubernetes-preserve-unknown-fields and int-or-string nodes without type', () => {
    const c = defaultedWith([
      [
        'spec.versions.0.schema.openAPIV3Schema',
        {
          type: 'object',
          properties: {
            raw: { 'x-kubernetes-preserve-unknown-fields': true },
            port: { 'x-kubernetes-int-or-string': true },
          },
        },
      ],
    ]);
    assert.deepEqual(validateCustomResourceDefinition(c), []);
  });

  for (const c of invalidCases) {
    it(`rejects: ${c.name}`, () => {
      const obj = defaultedWith(c.edits);
      const causes = validateCustomResourceDefinition(obj);
      const match = causes.find((x) => x.field === c.field);
      assert.ok(match, `no cause for ${c.field}: ${JSON.stringify(causes)}`);
      assert.equal(match.reason, c.reason);
      if (c.message) assert.match(match.message, c.message);
    });
  }

  it('allows a dotless group when asked', () => {
    const c = defaultedWith([
      ['spec.group', 'kubefed'],
      ['metadata.name', 'federateddeployments.kubefed'],
    ]);
    assert.deepEqual(validateCustomResourceDefinition(c, { allowGroupWithoutDot: true }), []);
  });
});

describe('schema/crd listTypeResolverFromSchema', () => {
  const resolve = listTypeResolverFromSchema(specSchema);
  const cases: { path: string[]; want: unknown }[] = [
    { path: ['spec', 'placement', 'clusters'], want: { type: 'map', keys: ['name'] } },
    { path: ['spec', 'placement', 'clusters', 'tags'], want: { type: 'set' } },
    { path: ['spec', 'overrides', 'anykey'], want: { type: 'atomic' } },
    { path: ['spec', 'replicas'], want: undefined },
    { path: ['spec', 'nope', 'x'], want: undefined },
  ];
  for (const c of cases) {
    it(c.path.join('.'), () => assert.deepEqual(resolve(c.path), c.want));
  }
  it('undefined schema resolves nothing', () =>
    assert.equal(listTypeResolverFromSchema(undefined)(['a']), undefined));
});

describe('schema/crd resourceInfoFromCRD', () => {
  it('derives the resource info', () => {
    const info = resourceInfoFromCRD(defaulted());
    assert.equal(info.group, 'types.kubefed.io');
    assert.equal(info.resource, 'federateddeployments');
    assert.equal(info.kind, 'FederatedDeployment');
    assert.equal(info.listKind, 'FederatedDeploymentList');
    assert.equal(info.singular, 'federateddeployment');
    assert.equal(info.namespaced, true);
    assert.deepEqual(info.shortNames, ['fdeploy']);
    assert.deepEqual(info.categories, ['federated']);
    assert.equal(info.storageVersion, 'v1beta1');
    assert.equal(info.builtin, false);
    assert.deepEqual(info.verbs, [
      'create',
      'delete',
      'deletecollection',
      'get',
      'list',
      'patch',
      'update',
      'watch',
    ]);
    const [v1, v2] = info.versions;
    assert.deepEqual(v1.printerColumns, [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }]);
    assert.deepEqual(v1.subresources, {
      status: true,
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
    });
    assert.deepEqual(v1.selectableFields, ['.spec.replicas']);
    assert.equal(v1.schema, specSchema);
    assert.equal(v2.served, false);
    assert.deepEqual(
      v2.printerColumns.map((c) => c.name),
      ['Age'],
    );
    assert.deepEqual(v2.subresources, { status: false, scale: undefined });
    assert.deepEqual(info.listType(['spec', 'placement', 'clusters']), { type: 'map', keys: ['name'] });
  });

  it('cluster scope', () => {
    const c = defaultedWith([['spec.scope', 'Cluster']]);
    assert.equal(resourceInfoFromCRD(c).namespaced, false);
  });
});
