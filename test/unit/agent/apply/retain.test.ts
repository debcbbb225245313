import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../api/kubernetes.js';
import { desiredObject } from '../../../../agent/apply/retain.js';

const deploy = (extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'demo', labels: { app: 'web', 'kubefed.io/managed': 'true' } },
  spec: { replicas: 3, selector: { matchLabels: { app: 'web' } } },
  ...extra,
});

const service = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'svc', namespace: 'demo' },
  spec,
});

type Case = {
  name: string;
  manifest: KubeObject;
  member?: KubeObject;
  retainReplicas?: boolean;
  check: (out: KubeObject & Record<string, unknown>) => void;
};

const cases: Case[] = [
  {
    name: 'create: the manifest plus the managed label, no status or server fields',
    manifest: {
      ...deploy(),
      status: { readyReplicas: 1 },
      metadata: { name: 'web', namespace: 'demo', uid: 'u', resourceVersion: '9' },
    } as KubeObject,
    check: (o) => {
      assert.equal(o.status, undefined);
      assert.equal(o.metadata.uid, undefined);
      assert.equal(o.metadata.resourceVersion, undefined);
      assert.deepEqual(o.metadata.labels, { 'kubefed.io/managed': 'true' });
    },
  },
  {
    name: 'update keeps resourceVersion and finalizers of the member',
    manifest: deploy(),
    member: {
      ...deploy(),
      metadata: { name: 'web', namespace: 'demo', resourceVersion: '42', finalizers: ['x/y'] },
    },
    check: (o) => {
      assert.equal(o.metadata.resourceVersion, '42');
      assert.deepEqual(o.metadata.finalizers, ['x/y']);
    },
  },
  {
    name: 'annotations added in the member are kept; the manifest wins on shared keys',
    manifest: deploy({
      metadata: { name: 'web', namespace: 'demo', annotations: { a: 'manifest', b: 'manifest' } },
    }),
    member: deploy({
      metadata: { name: 'web', namespace: 'demo', annotations: { b: 'member', c: 'member' } },
    }),
    check: (o) => assert.deepEqual(o.metadata.annotations, { a: 'manifest', b: 'manifest', c: 'member' }),
  },
  {
    name: 'labels are not retained (only the managed label is forced)',
    manifest: deploy({ metadata: { name: 'web', namespace: 'demo', labels: { app: 'web' } } }),
    member: deploy({ metadata: { name: 'web', namespace: 'demo', labels: { extra: 'x' } } }),
    check: (o) => assert.deepEqual(o.metadata.labels, { app: 'web', 'kubefed.io/managed': 'true' }),
  },
  {
    name: 'replicas from the manifest without retainReplicas',
    manifest: deploy(),
    member: deploy({ spec: { replicas: 7 } }),
    check: (o) => assert.equal((o.spec as { replicas: number }).replicas, 3),
  },
  {
    name: 'replicas from the member with retainReplicas',
    manifest: deploy(),
    member: deploy({ spec: { replicas: 7 } }),
    retainReplicas: true,
    check: (o) => assert.equal((o.spec as { replicas: number }).replicas, 7),
  },
  {
    name: 'Service: clusterIP, clusterIPs, healthCheckNodePort and matching nodePorts retained',
    manifest: service({
      type: 'LoadBalancer',
      ports: [
        { name: 'http', port: 80 },
        { name: 'https', port: 443, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'fixed', port: 81, nodePort: 30081 },
      ],
    }),
    member: service({
      clusterIP: '10.0.0.7',
      clusterIPs: ['10.0.0.7'],
      healthCheckNodePort: 31000,
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 },
        { name: 'https', port: 8443, protocol: 'TCP', nodePort: 30443 },
        { name: 'dns', port: 53, protocol: 'TCP', nodePort: 30053 },
        { name: 'fixed', port: 81, nodePort: 39999 },
      ],
    }),
    check: (o) => {
      const spec = o.spec as Record<string, unknown>;
      assert.equal(spec.clusterIP, '10.0.0.7');
      assert.deepEqual(spec.clusterIPs, ['10.0.0.7']);
      assert.equal(spec.healthCheckNodePort, 31000);
      assert.deepEqual(spec.ports, [
        { name: 'http', port: 80, nodePort: 30080 },
        { name: 'https', port: 443, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'fixed', port: 81, nodePort: 30081 },
      ]);
    },
  },
  {
    name: 'clusterIP of a non-core Service-like kind is not touched',
    manifest: {
      apiVersion: 'example.com/v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: {},
    } as KubeObject,
    member: {
      apiVersion: 'example.com/v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { clusterIP: '1.2.3.4' },
    } as KubeObject,
    check: (o) => assert.deepEqual(o.spec, {}),
  },
];

describe('agent: field retention on update (kubefed rules)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const manifest = structuredClone(c.manifest);
      const member = c.member && structuredClone(c.member);
      const out = desiredObject(c.manifest, c.member, { retainReplicas: c.retainReplicas });
      c.check(out as KubeObject & Record<string, unknown>);
      assert.deepEqual(c.manifest, manifest, 'manifest not mutated');
      assert.deepEqual(c.member, member, 'member not mutated');
    });
  }
});
