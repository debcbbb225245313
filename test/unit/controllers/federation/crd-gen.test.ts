import assert from 'node:assert/strict';
import {
  defaultCustomResourceDefinition,
  resourceInfoFromCRD,
  validateCustomResourceDefinition,
} from '../../../../apiserver/schema/crd.js';
import { validateAgainstSchema } from '../../../../apiserver/schema/validate.js';
import type { JSONSchemaProps, KubeObject } from '../../../../api/kubernetes.js';
import {
  DEFAULT_FEDERATED_TYPES,
  federatedCrdFor,
  federatedTypeConfigFor,
  typeConfigName,
} from '../../../../controllers/federation/crd-gen.js';
import { federatedObjectFrom, templateFrom } from '../../../../controllers/federation/federate.js';
import type { TypeRef } from '../../../../api/federation.js';

const DEPLOY: TypeRef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  pluralName: 'deployments',
  scope: 'Namespaced',
};
const NS: TypeRef = { version: 'v1', kind: 'Namespace', pluralName: 'namespaces', scope: 'Cluster' };
const CM: TypeRef = { version: 'v1', kind: 'ConfigMap', pluralName: 'configmaps', scope: 'Namespaced' };
const WIDGET: TypeRef = {
  group: 'example.com',
  version: 'v1alpha1',
  kind: 'Widget',
  pluralName: 'widgets',
  scope: 'Cluster',
};

function valid(crd: KubeObject): void {
  const c = structuredClone(crd);
  defaultCustomResourceDefinition(c);
  assert.deepEqual(validateCustomResourceDefinition(c), []);
}

function schemaOf(crd: KubeObject): JSONSchemaProps {
  return (crd.spec as { versions: { schema: { openAPIV3Schema: JSONSchemaProps } }[] }).versions[0].schema
    .openAPIV3Schema;
}

interface CrdSpec {
  group: string;
  scope: string;
  names: { kind: string; plural: string; singular: string; shortNames?: string[]; categories: string[] };
  versions: {
    name: string;
    subresources: { status: object };
    additionalPrinterColumns: { name: string; jsonPath: string }[];
  }[];
}

describe('federatedCrdFor', () => {
  it('builds FederatedDeployment as kubefed named it, with status and "is it running" columns', () => {
    const crd = federatedCrdFor(DEPLOY);
    valid(crd);
    assert.equal(crd.metadata.name, 'federateddeployments.types.kubefed.io');
    const spec = crd.spec as CrdSpec;
    assert.equal(spec.group, 'types.kubefed.io');
    assert.equal(spec.scope, 'Namespaced');
    assert.equal(spec.names.kind, 'FederatedDeployment');
    assert.equal(spec.names.plural, 'federateddeployments');
    assert.deepEqual(spec.names.shortNames, ['fdeploy']);
    assert.deepEqual(spec.names.categories, ['federated']);
    assert.equal(spec.versions[0].name, 'v1beta1');
    assert.deepEqual(spec.versions[0].subresources, { status: {} });
    assert.deepEqual(
      spec.versions[0].additionalPrinterColumns.map((c) => [c.name, c.jsonPath]),
      [
        ['Clusters', '.status.clustersSummary'],
        ['Ready', '.status.readySummary'],
        ['Propagation', '.status.conditions[?(@.type=="Propagation")].status'],
        ['Age', '.metadata.creationTimestamp'],
      ],
    );
    const info = resourceInfoFromCRD(crd);
    assert.equal(info.namespaced, true);
  });

  it('accepts kubefed manifests and rejects a bad override op', () => {
    const schema = schemaOf(federatedCrdFor(DEPLOY));
    const obj = {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedDeployment',
      metadata: { name: 'd', namespace: 'n' },
      spec: {
        template: { metadata: { labels: { app: 'x' } }, spec: { replicas: 3, anything: { goes: [1] } } },
        placement: {
          clusters: [{ name: 'c1' }],
          clusterSelector: {
            matchLabels: { region: 'eu' },
            matchExpressions: [{ key: 'edge', operator: 'Exists' }],
          },
        },
        overrides: [
          {
            clusterName: 'c1',
            clusterOverrides: [
              { path: '/spec/replicas', value: 5 },
              { op: 'remove', path: '/x' },
            ],
          },
        ],
        retainReplicas: true,
      },
      status: {
        observedGeneration: 1,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: '2024-01-01T00:00:00Z' }],
        clusters: [
          { name: 'c1', status: 'ClusterNotReady', message: 'm', remoteStatus: { readyReplicas: 3 } },
        ],
        clustersSummary: '1/1',
        readySummary: '3/3',
      },
    };
    assert.deepEqual(validateAgainstSchema(obj, schema), []);
    const bad = structuredClone(obj);
    bad.spec.overrides[0].clusterOverrides[0] = { op: 'move', path: '/a', value: 1 } as never;
    assert.notDeepEqual(validateAgainstSchema(bad, schema), []);
    assert.notDeepEqual(validateAgainstSchema({ ...obj, spec: undefined }, schema), [], 'spec is required');
  });

  it('makes FederatedNamespace namespaced although Namespace is cluster-scoped', () => {
    const crd = federatedCrdFor(NS);
    valid(crd);
    assert.equal((crd.spec as CrdSpec).scope, 'Namespaced');
    assert.deepEqual((crd.spec as CrdSpec).names.shortNames, ['fns']);
    // kubefed's sample FederatedNamespace has no template.
    const sample = {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedNamespace',
      metadata: { name: 'test-namespace', namespace: 'test-namespace' },
      spec: { placement: { clusters: [{ name: 'cluster2' }, { name: 'cluster1' }] } },
    };
    assert.deepEqual(validateAgainstSchema(sample, schemaOf(crd)), []);
  });

  it('generates a valid CRD for a custom resource target, keeping its scope', () => {
    const crd = federatedCrdFor(WIDGET, { shortNames: ['fwg'] });
    valid(crd);
    assert.equal(crd.metadata.name, 'federatedwidgets.types.kubefed.io');
    const spec = crd.spec as CrdSpec;
    assert.equal(spec.scope, 'Cluster');
    assert.equal(spec.names.kind, 'FederatedWidget');
    assert.deepEqual(spec.names.shortNames, ['fwg']);
    assert.equal(
      federatedCrdFor(WIDGET).spec && (federatedCrdFor(WIDGET).spec as CrdSpec).names.shortNames,
      undefined,
    );
  });

  it('produces a valid CRD for every default type, with distinct names and short names', () => {
    assert.deepEqual(
      DEFAULT_FEDERATED_TYPES.map((t) => typeConfigName(t)),
      [
        'namespaces',
        'configmaps',
        'secrets',
        'serviceaccounts',
        'services',
        'deployments.apps',
        'replicasets.apps',
        'jobs.batch',
        'ingresses.networking.k8s.io',
        'clusterroles.rbac.authorization.k8s.io',
      ],
    );
    const short = new Set<string>();
    for (const t of DEFAULT_FEDERATED_TYPES) {
      const crd = federatedCrdFor(t);
      valid(crd);
      for (const s of (crd.spec as CrdSpec).names.shortNames ?? []) {
        assert.ok(!short.has(s), s);
        short.add(s);
      }
    }
    assert.equal(short.size, 10);
  });
});

describe('federatedTypeConfigFor', () => {
  it('names core types <plural> and others <plural>.<group>, in kube-federation-system', () => {
    const cm = federatedTypeConfigFor(CM);
    assert.equal(cm.metadata.name, 'configmaps');
    assert.equal(cm.metadata.namespace, 'kube-federation-system');
    assert.deepEqual(cm.spec, {
      targetType: { version: 'v1', kind: 'ConfigMap', pluralName: 'configmaps', scope: 'Namespaced' },
      federatedType: {
        group: 'types.kubefed.io',
        version: 'v1beta1',
        kind: 'FederatedConfigMap',
        pluralName: 'federatedconfigmaps',
        scope: 'Namespaced',
      },
      propagation: 'Enabled',
      statusCollection: 'Enabled',
    });
    assert.equal(federatedTypeConfigFor(DEPLOY).metadata.name, 'deployments.apps');
    const w = federatedTypeConfigFor(WIDGET);
    assert.equal(w.metadata.name, 'widgets.example.com');
    assert.equal(w.spec.targetType.group, 'example.com');
    assert.equal(w.spec.federatedType.scope, 'Cluster');
    const ns = federatedTypeConfigFor(NS);
    assert.equal(ns.spec.targetType.scope, 'Cluster');
    assert.equal(ns.spec.federatedType.scope, 'Namespaced');
  });
});

describe('federatedObjectFrom (federate)', () => {
  it('wraps a ConfigMap: template without server fields, placement on every cluster', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'x',
        namespace: 'ns',
        uid: 'u',
        resourceVersion: '7',
        creationTimestamp: '2024-01-01T00:00:00Z',
        managedFields: [],
        labels: { app: 'a' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      },
      data: { k: 'v' },
    };
    const fed = federatedObjectFrom(CM, cm);
    assert.deepEqual(fed, {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedConfigMap',
      metadata: { name: 'x', namespace: 'ns' },
      spec: {
        template: { metadata: { labels: { app: 'a' } }, data: { k: 'v' } },
        placement: { clusterSelector: {} },
      },
    });
    assert.equal(cm.metadata.uid, 'u', 'the input is not modified');
  });

  it('names a FederatedNamespace after its namespace and drops namespace finalizers', () => {
    const fed = federatedObjectFrom(NS, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop' },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    assert.deepEqual(fed.metadata, { name: 'shop', namespace: 'shop' });
    assert.deepEqual(fed.spec?.template, {});
  });

  it('drops what member clusters allocate for a Service and pod template metadata', () => {
    const svc = templateFrom(
      { version: 'v1', kind: 'Service', pluralName: 'services', scope: 'Namespaced' },
      {
        metadata: { name: 's', namespace: 'n' },
        spec: {
          clusterIP: '10.0.0.1',
          clusterIPs: ['10.0.0.1'],
          ports: [{ port: 80, nodePort: 30080 }],
          type: 'NodePort',
        },
      },
    );
    assert.deepEqual(svc, { spec: { ports: [{ port: 80 }], type: 'NodePort' } });
    const d = templateFrom(DEPLOY, {
      metadata: { name: 'd', namespace: 'n', generation: 3 },
      spec: { replicas: 2, template: { metadata: { creationTimestamp: null, labels: { a: 'b' } } } },
      status: { readyReplicas: 2 },
    });
    assert.deepEqual(d, { spec: { replicas: 2, template: { metadata: { labels: { a: 'b' } } } } });
  });
});
