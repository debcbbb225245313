import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../api/kubernetes.js';
import { defaultBuiltinObject, defaultPullPolicy } from '../../../../apiserver/schema/builtin-defaults.js';
import { builtinSchema, definitionName, toStructural } from '../../../../apiserver/schema/builtin-schemas.js';
import { pruneUnknownFields } from '../../../../apiserver/schema/prune.js';

describe('built-in schemas from the published definitions', () => {
  it('finds kinds by group/version/kind', () => {
    assert.equal(definitionName('apps', 'v1', 'Deployment'), 'io.k8s.api.apps.v1.Deployment');
    assert.equal(definitionName('', 'v1', 'Pod'), 'io.k8s.api.core.v1.Pod');
    assert.equal(
      definitionName('autoscaling', 'v2', 'HorizontalPodAutoscaler'),
      'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
    );
  });

  it('inlines refs and writes wrapper types as structural schemas do', () => {
    const s = builtinSchema('apps', 'v1', 'Deployment');
    const spec = s?.properties?.spec;
    assert.equal(
      spec?.properties?.strategy?.properties?.rollingUpdate?.properties?.maxSurge?.[
        'x-kubernetes-int-or-string'
      ],
      true,
    );
    const container = spec?.properties?.template?.properties?.spec?.properties?.containers?.items;
    const limits = container?.properties?.resources?.properties?.limits?.additionalProperties;
    assert.ok(limits && typeof limits === 'object');
    assert.equal(limits['x-kubernetes-int-or-string'], true);
    const tmplMeta = spec?.properties?.template?.properties?.metadata;
    assert.deepEqual(tmplMeta?.properties?.creationTimestamp, {
      type: 'string',
      format: 'date-time',
      nullable: true,
      description: tmplMeta?.properties?.creationTimestamp?.description,
    });
    assert.deepEqual(s?.properties?.metadata, { type: 'object' });
    assert.equal(spec?.required, undefined);
  });

  it('cuts recursion with a preserved object', () => {
    const defs = { A: { type: 'object', properties: { self: { $ref: '#/definitions/A' } } } };
    assert.deepEqual(toStructural(defs.A, defs, ['A']), {
      type: 'object',
      properties: { self: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    });
  });

  it('prunes exactly the unknown fields', () => {
    const s = builtinSchema('apps', 'v1', 'Deployment');
    assert.ok(s);
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: {
        bogusField: 1,
        replicas: 1,
        template: { spec: { containers: [{ name: 'c', image: 'i', nope: true }] } },
      },
    };
    assert.deepEqual(pruneUnknownFields(obj, s, { isResourceRoot: true }).sort(), [
      'spec.bogusField',
      'spec.template.spec.containers[0].nope',
    ]);
  });

  it('serves no schema for CRDs (their own validation)', () => {
    assert.equal(builtinSchema('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition'), undefined);
  });
});

describe("kube's defaults for built-in workloads", () => {
  const cases: [string, string][] = [
    ['busybox', 'Always'],
    ['busybox:latest', 'Always'],
    ['busybox:1.36', 'IfNotPresent'],
    ['localhost:5000/busybox', 'Always'],
    ['localhost:5000/busybox:edge', 'IfNotPresent'],
    ['busybox@sha256:abc', 'IfNotPresent'],
  ];
  for (const [image, want] of cases)
    it(`pull policy of ${image} is ${want}`, () => assert.equal(defaultPullPolicy(image), want));

  it('defaults a Deployment and its pod template, keeping what is set', () => {
    const d: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: {
        replicas: 3,
        strategy: { type: 'Recreate' },
        template: { spec: { containers: [{ name: 'c', image: 'nginx:1', ports: [{ containerPort: 80 }] }] } },
      },
    };
    defaultBuiltinObject(d);
    const spec = d.spec as Record<string, unknown>;
    assert.equal(spec.replicas, 3);
    assert.deepEqual(spec.strategy, { type: 'Recreate' });
    assert.equal(spec.revisionHistoryLimit, 10);
    const pod = (spec.template as { spec: Record<string, unknown> }).spec;
    assert.equal(pod.restartPolicy, 'Always');
    const c = (pod.containers as Record<string, unknown>[])[0];
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
    assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  });

  it('leaves custom kinds alone', () => {
    const o: KubeObject = {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'Deployment',
      metadata: {},
      spec: {},
    };
    defaultBuiltinObject(o);
    assert.deepEqual(o.spec, {});
  });
});
