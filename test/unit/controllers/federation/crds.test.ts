import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import {
  defaultCustomResourceDefinition,
  resourceInfoFromCRD,
  validateCustomResourceDefinition,
} from '../../../../apiserver/schema/crd.js';
import { validateAgainstSchema } from '../../../../apiserver/schema/validate.js';
import type { JSONSchemaProps, KubeObject } from '../../../../api/kubernetes.js';
import { generatedCrdFiles } from '../../../../cli/commands/generate.js';
import { ROOT } from '../../../helpers/hub.js';

const DIR = join(ROOT, 'crds');

function load(file: string): KubeObject[] {
  return (yaml.loadAll(readFileSync(join(DIR, file), 'utf8')) as (KubeObject | null)[]).filter(
    (d): d is KubeObject => d !== null,
  );
}

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const crds = files.flatMap((f) => load(f).filter((o) => o.kind === 'CustomResourceDefinition'));

function byName(name: string): KubeObject {
  const crd = crds.find((c) => c.metadata.name === name);
  assert.ok(crd, `crds/ has ${name}`);
  return crd;
}

function schemaOf(crd: KubeObject): JSONSchemaProps {
  const v = (crd.spec as { versions: { schema: { openAPIV3Schema: JSONSchemaProps } }[] }).versions[0];
  return v.schema.openAPIV3Schema;
}

describe('crds/ (every shipped CRD)', () => {
  it('ships the kubefed and edgefed CRDs', () => {
    const names = crds.map((c) => c.metadata.name).sort();
    for (const n of [
      'federatedtypeconfigs.core.kubefed.io',
      'kubefedclusters.core.kubefed.io',
      'replicaschedulingpreferences.scheduling.kubefed.io',
      'works.edgefed.io',
      'federatednamespaces.types.kubefed.io',
      'federatedconfigmaps.types.kubefed.io',
      'federatedsecrets.types.kubefed.io',
      'federatedserviceaccounts.types.kubefed.io',
      'federatedservices.types.kubefed.io',
      'federateddeployments.types.kubefed.io',
      'federatedreplicasets.types.kubefed.io',
      'federatedjobs.types.kubefed.io',
      'federatedingresses.types.kubefed.io',
      'federatedclusterroles.types.kubefed.io',
    ]) {
      assert.ok(names.includes(n), `missing ${n}`);
    }
    assert.equal(new Set(names).size, names.length, 'no CRD is defined twice');
  });

  for (const f of files.filter((f) => load(f).some((o) => o.kind === 'CustomResourceDefinition'))) {
    it(`${f}: every CRD passes validateCustomResourceDefinition`, () => {
      for (const crd of load(f).filter((o) => o.kind === 'CustomResourceDefinition')) {
        const c = structuredClone(crd);
        defaultCustomResourceDefinition(c);
        assert.deepEqual(validateCustomResourceDefinition(c), [], String(crd.metadata.name));
        const info = resourceInfoFromCRD(c);
        assert.ok(info.resource && info.kind);
      }
    });
  }

  it('no two CRDs share a short name', () => {
    const seen = new Map<string, string>();
    for (const c of crds) {
      for (const s of (c.spec as { names: { shortNames?: string[] } }).names.shortNames ?? []) {
        assert.ok(!seen.has(s), `${s} used by ${seen.get(s)} and ${c.metadata.name}`);
        seen.set(s, String(c.metadata.name));
      }
    }
    assert.equal(seen.get('kfc'), 'kubefedclusters.core.kubefed.io');
    assert.equal(seen.get('ftc'), 'federatedtypeconfigs.core.kubefed.io');
    assert.equal(seen.get('rsp'), 'replicaschedulingpreferences.scheduling.kubefed.io');
    assert.equal(seen.get('fdeploy'), 'federateddeployments.types.kubefed.io');
  });

  it('the generated files are up to date with crd-gen (run `edgefed generate crds --out crds`)', () => {
    for (const [file, text] of generatedCrdFiles()) {
      assert.equal(readFileSync(join(DIR, file), 'utf8'), text, `crds/${file} is stale`);
    }
  });

  it('crds/federatedtypeconfigs.yaml holds valid FederatedTypeConfig objects, not CRDs', () => {
    const ftcs = load('federatedtypeconfigs.yaml');
    assert.equal(ftcs.length, 10);
    const schema = schemaOf(byName('federatedtypeconfigs.core.kubefed.io'));
    for (const o of ftcs) {
      assert.equal(o.kind, 'FederatedTypeConfig');
      assert.equal(o.apiVersion, 'core.kubefed.io/v1beta1');
      assert.equal(o.metadata.namespace, 'kube-federation-system');
      assert.deepEqual(validateAgainstSchema(o, schema), [], String(o.metadata.name));
    }
  });

  it('kubefed manifests validate against the shipped schemas', () => {
    const kfc = {
      apiVersion: 'core.kubefed.io/v1beta1',
      kind: 'KubeFedCluster',
      metadata: { name: 'cluster1', namespace: 'kube-federation-system' },
      spec: {
        apiEndpoint: 'https://172.17.0.2:6443',
        caBundle: 'LS0tLS1CRUdJTg==',
        secretRef: { name: 'cluster1-shjpd' },
        disabledTLSValidations: ['*'],
      },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            lastProbeTime: '2024-01-01T00:00:00Z',
            lastTransitionTime: '2024-01-01T00:00:00Z',
            reason: 'ClusterReady',
            message: '/healthz responded with ok',
          },
        ],
        region: 'us-east1',
        zones: ['us-east1-a'],
        kubernetesVersion: 'v1.29.0',
        lastHeartbeatTime: '2024-01-01T00:00:00Z',
      },
    };
    assert.deepEqual(validateAgainstSchema(kfc, schemaOf(byName('kubefedclusters.core.kubefed.io'))), []);

    const rsp = {
      apiVersion: 'scheduling.kubefed.io/v1alpha1',
      kind: 'ReplicaSchedulingPreference',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        targetKind: 'FederatedDeployment',
        totalReplicas: 9,
        rebalance: true,
        failoverGracePeriodSeconds: 60,
        clusters: { c1: { weight: 1 }, '*': { weight: 2, minReplicas: 0, maxReplicas: 5 } },
      },
      status: { clusters: { c1: { replicas: 3 } } },
    };
    const rspSchema = schemaOf(byName('replicaschedulingpreferences.scheduling.kubefed.io'));
    assert.deepEqual(validateAgainstSchema(rsp, rspSchema), []);
    assert.notDeepEqual(
      validateAgainstSchema({ ...rsp, spec: { targetKind: 'FederatedDeployment' } }, rspSchema),
      [],
      'totalReplicas is required',
    );

    const work = {
      apiVersion: 'edgefed.io/v1alpha1',
      kind: 'Work',
      metadata: { name: 'w', namespace: 'edgefed-cluster-c1' },
      spec: {
        cluster: 'c1',
        source: {
          group: 'types.kubefed.io',
          version: 'v1beta1',
          kind: 'FederatedConfigMap',
          resource: 'federatedconfigmaps',
          namespace: 'ns',
          name: 'cm',
          uid: 'u',
          generation: 2,
        },
        manifest: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'cm', namespace: 'ns' },
          data: {},
        },
        deletePolicy: 'Orphan',
        retainReplicas: false,
      },
      status: {
        observedGeneration: 1,
        conditions: [{ type: 'Applied', status: 'True' }],
        remoteStatus: { a: 1 },
      },
    };
    const workSchema = schemaOf(byName('works.edgefed.io'));
    assert.deepEqual(validateAgainstSchema(work, workSchema), []);
    assert.notDeepEqual(
      validateAgainstSchema({ ...work, spec: { ...work.spec, deletePolicy: 'Keep' } }, workSchema),
      [],
      'deletePolicy is an enum',
    );
  });
});
