import assert from 'node:assert/strict';
import {
  desiredEndpoints,
  desiredSlices,
  findPort,
} from '../../../../../agent/edge/controllers/endpoints/build.js';
import { endpointsChanged, planSlices } from '../../../../../agent/edge/controllers/endpoints/plan.js';
import type { EndpointSlice } from '../../../../../agent/edge/controllers/endpoints/types.js';
import type { Pod, Service } from '../../../../../agent/edge/controllers/types.js';
import type { PodPhase } from '../../../../../api/core.js';

const svc: Service = {
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels: { tier: 'front' } },
  spec: {
    selector: { app: 'web' },
    ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
  },
};

function pod(
  name: string,
  o: { ip?: string; ready?: boolean; phase?: PodPhase; deleting?: boolean; app?: string },
): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      labels: { app: o.app ?? 'web' },
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ip ? { podIP: o.ip } : {}),
      conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False' }],
    },
  };
}

describe('endpoints from pods', () => {
  const pods = [
    pod('a', { ip: '10.0.0.2', ready: true }),
    pod('b', { ip: '10.0.0.1', ready: false }),
    pod('c', { ip: '10.0.0.3', ready: true, deleting: true }),
    pod('d', { ready: true }),
    pod('e', { ip: '10.0.0.5', ready: true, phase: 'Succeeded' }),
    pod('f', { ip: '10.0.0.6', ready: true, app: 'other' }),
  ];

  it('lists ready pods as addresses, others as notReadyAddresses; terminating, finished, IP-less and unselected pods not at all', () => {
    const ep = desiredEndpoints(svc, pods);
    assert.deepEqual(ep.metadata, { name: 'web', namespace: 'ns', labels: { tier: 'front' } });
    assert.equal(ep.subsets?.length, 1);
    const [s] = ep.subsets ?? [];
    assert.deepEqual(
      s.addresses?.map((a) => a.ip),
      ['10.0.0.2'],
    );
    assert.deepEqual(
      s.notReadyAddresses?.map((a) => a.ip),
      ['10.0.0.1'],
    );
    assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }], 'named targetPort resolved');
    assert.deepEqual(s.addresses?.[0].targetRef, { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' });
  });

  it('publishNotReadyAddresses lists not-ready pods as addresses', () => {
    const ep = desiredEndpoints({ ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } }, pods);
    assert.deepEqual(
      ep.subsets?.[0].addresses?.map((a) => a.ip),
      ['10.0.0.1', '10.0.0.2', '10.0.0.3'],
    );
  });

  it('no pods: an Endpoints without subsets', () => {
    assert.equal(desiredEndpoints(svc, []).subsets, undefined);
  });

  it('slices carry every pod with an IP with kube conditions (terminating: not ready, serving)', () => {
    const [slice] = desiredSlices(svc, pods);
    assert.deepEqual(
      slice.endpoints?.map((e) => [e.addresses[0], e.conditions]),
      [
        ['10.0.0.2', { ready: true, serving: true, terminating: false }],
        ['10.0.0.1', { ready: false, serving: false, terminating: false }],
        ['10.0.0.3', { ready: false, serving: true, terminating: true }],
      ],
    );
    assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  });

  it('findPort: numbers, numeric strings, names by protocol', () => {
    const p = pod('a', {});
    const table: [number | string | undefined, string, number | undefined][] = [
      [80, 'TCP', 80],
      ['81', 'TCP', 81],
      ['http', 'TCP', 8080],
      ['http', 'UDP', undefined],
      ['nope', 'TCP', undefined],
      [undefined, 'TCP', undefined],
    ];
    for (const [t, proto, want] of table) assert.equal(findPort(p, t, proto), want, `${String(t)}/${proto}`);
  });
});

describe('planSlices', () => {
  const desired = desiredSlices(svc, [pod('a', { ip: '10.0.0.2', ready: true })]);

  it('creates a labelled, owned slice when there is none', () => {
    const plan = planSlices(svc, [], desired);
    assert.equal(plan.create.length, 1);
    const [c] = plan.create;
    assert.equal(c.metadata.generateName, 'web-');
    assert.deepEqual(c.metadata.labels, {
      tier: 'front',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    assert.equal(c.metadata.ownerReferences?.[0].uid, 'svc-uid');
    assert.equal(c.addressType, 'IPv4');
  });

  it('updates a slice whose endpoints changed, leaves an equal one, deletes extras', () => {
    const made = {
      ...planSlices(svc, [], desired).create[0],
      metadata: { ...planSlices(svc, [], desired).create[0].metadata, name: 'web-x' },
    };
    assert.deepEqual(planSlices(svc, [made], desired), { create: [], update: [], delete: [] });
    const stale: EndpointSlice = { ...made, endpoints: [] };
    assert.equal(planSlices(svc, [stale], desired).update.length, 1);
    const extra: EndpointSlice = {
      ...made,
      metadata: { ...made.metadata, name: 'web-y' },
      ports: [{ name: 'x', port: 1, protocol: 'TCP' }],
    };
    assert.deepEqual(
      planSlices(svc, [made, extra], desired).delete.map((s) => s.metadata.name),
      ['web-y'],
    );
  });

  it('endpointsChanged compares subsets and labels', () => {
    const want = desiredEndpoints(svc, []);
    assert.equal(endpointsChanged(undefined, want), true);
    assert.equal(
      endpointsChanged({ ...want, metadata: { ...want.metadata, resourceVersion: '5' } }, want),
      false,
    );
    assert.equal(endpointsChanged({ ...want, subsets: [{ addresses: [{ ip: '1.1.1.1' }] }] }, want), true);
  });
});
