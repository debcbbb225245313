import assert from 'node:assert/strict';
import {
  serviceIngressFor,
  serviceStatusUpdate,
} from '../../../../../agent/edge/controllers/service/ingress.js';
import type { Service } from '../../../../../agent/edge/controllers/types.js';

const IP = '192.0.2.10';
const svc = (spec: Service['spec'], status?: Service['status']): Service => ({
  metadata: { name: 's', namespace: 'ns' },
  spec,
  ...(status ? { status } : {}),
});

describe('serviceIngressFor', () => {
  const cases: { name: string; spec: Service['spec']; want: ReturnType<typeof serviceIngressFor> }[] = [
    {
      name: 'ClusterIP: the node address with every port (protocol defaults to TCP)',
      spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] },
      want: [
        {
          ip: IP,
          ports: [
            { port: 80, protocol: 'TCP' },
            { port: 53, protocol: 'UDP' },
          ],
        },
      ],
    },
    {
      name: 'LoadBalancer and NodePort too',
      spec: { type: 'LoadBalancer', ports: [{ port: 443 }] },
      want: [{ ip: IP, ports: [{ port: 443, protocol: 'TCP' }] }],
    },
    { name: 'no ports: the address alone', spec: { type: 'NodePort' }, want: [{ ip: IP }] },
    { name: 'headless: none', spec: { clusterIP: 'None', ports: [{ port: 80 }] }, want: [] },
    { name: 'ExternalName: none', spec: { type: 'ExternalName' }, want: [] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(serviceIngressFor(svc(c.spec), IP), c.want));
});

describe('serviceStatusUpdate (write only on a difference)', () => {
  it('nothing when the status is already right, whatever its key order', () => {
    const s = svc(
      { ports: [{ port: 80 }] },
      { loadBalancer: { ingress: [{ ports: [{ protocol: 'TCP', port: 80 }], ip: IP }] } },
    );
    assert.equal(serviceStatusUpdate(s, IP), undefined);
  });
  it('the new ingress when ports or the address changed, other status fields kept', () => {
    const s = svc(
      { ports: [{ port: 81 }] },
      { loadBalancer: { ingress: [{ ip: IP, ports: [{ port: 80, protocol: 'TCP' }] }] }, conditions: [] },
    );
    assert.deepEqual(serviceStatusUpdate(s, IP), {
      conditions: [],
      loadBalancer: { ingress: [{ ip: IP, ports: [{ port: 81, protocol: 'TCP' }] }] },
    });
    assert.deepEqual(serviceStatusUpdate(svc({}, {}), IP), { loadBalancer: { ingress: [{ ip: IP }] } });
  });
  it('clears an ingress the Service should no longer have (turned headless)', () => {
    const s = svc({ clusterIP: 'None' }, { loadBalancer: { ingress: [{ ip: IP }] } });
    assert.deepEqual(serviceStatusUpdate(s, IP), { loadBalancer: {} });
    assert.equal(serviceStatusUpdate(svc({ clusterIP: 'None' }), IP), undefined);
  });
});
