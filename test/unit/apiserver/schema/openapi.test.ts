import assert from 'node:assert/strict';
import { documentHash, openApiV3Document, openApiV3Index } from '../../../../apiserver/schema/openapi.js';
import type { ResourceInfo, ResourceVersion } from '../../../../apiserver/registry/resource-info.js';
import type { JSONSchemaProps } from '../../../../api/kubernetes.js';

type Json = Record<string, unknown>;
const OBJECT_META_REF = '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function version(name: string, schema?: JSONSchemaProps, status = false): ResourceVersion {
  return {
    name,
    served: true,
    storage: true,
    schema,
    printerColumns: [],
    subresources: { status },
    selectableFields: [],
  };
}

function info(
  partial: Partial<ResourceInfo> & Pick<ResourceInfo, 'group' | 'resource' | 'kind' | 'versions'>,
): ResourceInfo {
  return {
    listKind: `${partial.kind}List`,
    singular: partial.kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    categories: [],
    storageVersion: partial.versions[0].name,
    builtin: false,
    listType: () => undefined,
    verbs: [],
    ...partial,
  };
}

const fedSchema: JSONSchemaProps = {
  type: 'object',
  properties: {
    metadata: { type: 'object' },
    spec: { type: 'object', description: 'desired state', properties: { replicas: { type: 'integer' } } },
  },
};
const federated = info({
  group: 'types.kubefed.io',
  resource: 'federateddeployments',
  kind: 'FederatedDeployment',
  versions: [version('v1beta1', fedSchema, true)],
});
const configMap = info({
  group: '',
  resource: 'configmaps',
  kind: 'ConfigMap',
  builtin: true,
  versions: [version('v1')],
});
const deployment = info({
  group: 'apps',
  resource: 'deployments',
  kind: 'Deployment',
  builtin: true,
  versions: [version('v1')],
});
const clusterScoped = info({
  group: 'core.kubefed.io',
  resource: 'kubefedclusters',
  kind: 'KubeFedCluster',
  namespaced: false,
  versions: [version('v1beta1', { type: 'object' })],
});

const asJson = (v: unknown): Json => JSON.parse(JSON.stringify(v)) as Json;
const schemas = (doc: Json) => (doc.components as Json).schemas as Record<string, Json>;
const paths = (doc: Json) => doc.paths as Record<string, Record<string, Json>>;

describe('schema/openapi index', () => {
  it('keys core as api/v1 and groups as apis/<g>/<v>', () => {
    assert.deepEqual(
      openApiV3Index([
        { group: 'types.kubefed.io', version: 'v1beta1', hash: 'AB' },
        { group: '', version: 'v1', hash: 'CD' },
      ]),
      {
        paths: {
          'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=CD' },
          'apis/types.kubefed.io/v1beta1': {
            serverRelativeURL: '/openapi/v3/apis/types.kubefed.io/v1beta1?hash=AB',
          },
        },
      },
    );
  });
});

describe('schema/openapi document', () => {
  const doc = asJson(openApiV3Document('types.kubefed.io', 'v1beta1', [federated]));

  it('is an OpenAPI 3.0 document that survives JSON', () => {
    assert.equal(doc.openapi, '3.0.0');
    assert.ok(doc.info);
    assert.deepEqual(asJson(openApiV3Document('types.kubefed.io', 'v1beta1', [federated])), doc);
  });

  const schemaCases: {
    name: string;
    resource: ResourceInfo;
    group: string;
    v: string;
    schemaName: string;
  }[] = [
    {
      name: 'custom resource',
      resource: federated,
      group: 'types.kubefed.io',
      v: 'v1beta1',
      schemaName: 'io.kubefed.types.v1beta1.FederatedDeployment',
    },
    {
      name: 'core kind',
      resource: configMap,
      group: '',
      v: 'v1',
      schemaName: 'io.k8s.api.core.v1.ConfigMap',
    },
    {
      name: 'apps kind',
      resource: deployment,
      group: 'apps',
      v: 'v1',
      schemaName: 'io.k8s.api.apps.v1.Deployment',
    },
  ];
  for (const c of schemaCases) {
    it(`names and tags the ${c.name} schema and its list`, () => {
      const s = schemas(asJson(openApiV3Document(c.group, c.v, [c.resource])));
      const body = s[c.schemaName];
      assert.ok(body, Object.keys(s).join(','));
      assert.deepEqual(body['x-kubernetes-group-version-kind'], [
        { group: c.group, version: c.v, kind: c.resource.kind },
      ]);
      const props = body.properties as Record<string, Json>;
      assert.deepEqual(props.metadata, { $ref: OBJECT_META_REF });
      assert.equal(props.apiVersion.type, 'string');
      assert.equal(props.kind.type, 'string');
      assert.match(String(props.kind.description), /^Kind is a string value/);
      const list = s[`${c.schemaName}List`];
      assert.deepEqual(list['x-kubernetes-group-version-kind'], [
        { group: c.group, version: c.v, kind: `${c.resource.kind}List` },
      ]);
    });
  }

  it('keeps the CRD spec schema reachable for explain', () => {
    const body = schemas(doc)['io.kubefed.types.v1beta1.FederatedDeployment'];
    const spec = (body.properties as Record<string, Json>).spec;
    assert.equal(spec.description, 'desired state');
    assert.deepEqual(spec.properties, { replicas: { type: 'integer' } });
    assert.equal(fedSchema.properties?.metadata?.type, 'object', 'source schema untouched');
  });

  it('uses a preserve-unknown-fields body for kinds without a schema', () => {
    const body = schemas(asJson(openApiV3Document('', 'v1', [configMap])))['io.k8s.api.core.v1.ConfigMap'];
    assert.equal(body.type, 'object');
    assert.equal(body['x-kubernetes-preserve-unknown-fields'], true);
  });

  it('includes the referenced meta/v1 schemas', () => {
    const s = schemas(doc);
    for (const name of [
      'ObjectMeta',
      'ListMeta',
      'Status',
      'DeleteOptions',
      'Patch',
      'Time',
      'OwnerReference',
      'ManagedFieldsEntry',
    ]) {
      assert.ok(s[`io.k8s.apimachinery.pkg.apis.meta.v1.${name}`], name);
    }
    const objectMeta = s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties as Record<
      string,
      Json
    >;
    assert.match(String(objectMeta.name.description), /^Name must be unique/);
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[^"]+/g) ?? [];
    for (const r of refs) assert.ok(s[r.slice('#/components/schemas/'.length)], `dangling ${r}`);
  });

  const pathCases: {
    name: string;
    resource: ResourceInfo;
    group: string;
    v: string;
    item: string;
    extra: string[];
  }[] = [
    {
      name: 'namespaced custom resource',
      resource: federated,
      group: 'types.kubefed.io',
      v: 'v1beta1',
      item: '/apis/types.kubefed.io/v1beta1/namespaces/{namespace}/federateddeployments/{name}',
      extra: [
        '/apis/types.kubefed.io/v1beta1/namespaces/{namespace}/federateddeployments',
        '/apis/types.kubefed.io/v1beta1/federateddeployments',
        '/apis/types.kubefed.io/v1beta1/namespaces/{namespace}/federateddeployments/{name}/status',
      ],
    },
    {
      name: 'cluster-scoped custom resource',
      resource: clusterScoped,
      group: 'core.kubefed.io',
      v: 'v1beta1',
      item: '/apis/core.kubefed.io/v1beta1/kubefedclusters/{name}',
      extra: ['/apis/core.kubefed.io/v1beta1/kubefedclusters'],
    },
    {
      name: 'core kind',
      resource: configMap,
      group: '',
      v: 'v1',
      item: '/api/v1/namespaces/{namespace}/configmaps/{name}',
      extra: ['/api/v1/namespaces/{namespace}/configmaps', '/api/v1/configmaps'],
    },
  ];
  for (const c of pathCases) {
    it(`serves paths for a ${c.name} with GVK-tagged operations`, () => {
      const p = paths(asJson(openApiV3Document(c.group, c.v, [c.resource])));
      assert.deepEqual(Object.keys(p).sort(), [c.item, ...c.extra].sort());
      const item = p[c.item];
      const gvk = { group: c.group, version: c.v, kind: c.resource.kind };
      for (const [method, action] of [
        ['get', 'get'],
        ['put', 'put'],
        ['patch', 'patch'],
        ['delete', 'delete'],
      ]) {
        assert.deepEqual(item[method]['x-kubernetes-group-version-kind'], gvk, method);
        assert.equal(item[method]['x-kubernetes-action'], action);
      }
      const patch = item.patch;
      const params = (patch.parameters as Json[]).map((x) => x.name);
      for (const name of ['fieldValidation', 'dryRun', 'fieldManager', 'force'])
        assert.ok(params.includes(name), name);
      const types = Object.keys((patch.requestBody as { content: Json }).content);
      const expected = [
        'application/apply-patch+yaml',
        'application/json-patch+json',
        'application/merge-patch+json',
      ];
      if (c.resource.builtin) expected.push('application/strategic-merge-patch+json');
      assert.deepEqual(types, expected);
    });
  }
});

describe('schema/openapi documentHash', () => {
  it('is a stable upper-case SHA-512', () => {
    const doc = openApiV3Document('types.kubefed.io', 'v1beta1', [federated]);
    const hash = documentHash(doc);
    assert.match(hash, /^[0-9A-F]{128}$/);
    assert.equal(documentHash(openApiV3Document('types.kubefed.io', 'v1beta1', [federated])), hash);
    assert.notEqual(documentHash(openApiV3Document('types.kubefed.io', 'v1beta1', [])), hash);
  });
});
