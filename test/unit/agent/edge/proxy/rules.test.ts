import assert from 'node:assert/strict';
import type { Endpoints } from '../../../../../agent/edge/controllers/endpoints/types.js';
import type { Service } from '../../../../../agent/edge/controllers/types.js';
import { Balancer, proxyRules, type ProxyRule } from '../../../../../agent/edge/proxy/rules.js';

const NODE = '192.0.2.10';
const svc = (name: string, spec: Record<string, unknown>): Service => ({
  metadata: { name, namespace: 'ns' },
  spec: spec as Service['spec'],
});
const ep = (name: string, ready: string[], notReady: string[] = [], port = 8080): [string, Endpoints] => [
  `ns/${name}`,
  {
    metadata: { name, namespace: 'ns' },
    subsets: [
      {
        ...(ready.length ? { addresses: ready.map((ip) => ({ ip })) } : {}),
        ...(notReady.length ? { notReadyAddresses: notReady.map((ip) => ({ ip })) } : {}),
        ports: [{ name: 'http', port, protocol: 'TCP' }],
      },
    ],
  },
];

describe('service proxy rules', () => {
  it('a NodePort Service: its node port to the ready endpoints; ClusterIP and UDP ports are not proxied', () => {
    const rules = proxyRules(
      [
        svc('web', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }),
        svc('inner', { type: 'ClusterIP', ports: [{ name: 'http', port: 80 }] }),
        svc('dns', {
          type: 'NodePort',
          ports: [{ name: 'http', port: 53, protocol: 'UDP', nodePort: 30053 }],
        }),
      ],
      new Map([ep('web', ['10.0.0.2', '10.0.0.1'], ['10.0.0.3']), ep('inner', ['10.0.0.9'])]),
      NODE,
    );
    assert.deepEqual(rules, [
      {
        key: '30080/TCP',
        port: 30080,
        service: 'ns/web',
        backends: [
          { ip: '10.0.0.1', port: 8080 },
          { ip: '10.0.0.2', port: 8080 },
        ],
      },
    ]);
  });

  it('a LoadBalancer Service: node port and service port, unless the backends already are the node (host network)', () => {
    const lb = svc('lb', { type: 'LoadBalancer', ports: [{ name: 'http', port: 8080, nodePort: 31000 }] });
    const ports = (eps: [string, Endpoints][]) => proxyRules([lb], new Map(eps), NODE).map((r) => r.port);
    assert.deepEqual(ports([ep('lb', ['10.0.0.2'])]), [31000, 8080]);
    assert.deepEqual(ports([ep('lb', [], [NODE])]), [31000], 'a host-network pod serves the port itself');
    assert.deepEqual(ports([]), [31000], 'no endpoint yet: the port is left free');
  });

  it('ClientIP affinity carries its timeout (kube default 3 h)', () => {
    const [r] = proxyRules(
      [
        svc('s', {
          type: 'NodePort',
          sessionAffinity: 'ClientIP',
          ports: [{ name: 'http', port: 80, nodePort: 30001 }],
        }),
      ],
      new Map([ep('s', ['10.0.0.1'])]),
      NODE,
    );
    assert.equal(r.affinityTimeoutMs, 10_800_000);
  });
});

describe('Balancer', () => {
  const rule: ProxyRule = {
    key: 'k',
    port: 1,
    service: 'ns/s',
    backends: [
      { ip: 'a', port: 1 },
      { ip: 'b', port: 1 },
    ],
  };
  it('round robin', () => {
    const b = new Balancer();
    assert.deepEqual(
      [1, 2, 3, 4].map(() => b.pick(rule, 'c1', 0)?.ip),
      ['a', 'b', 'a', 'b'],
    );
  });
  it('ClientIP affinity: a client keeps its backend until the timeout or the backend goes', () => {
    const b = new Balancer();
    const sticky = { ...rule, affinityTimeoutMs: 1000 };
    const first = b.pick(sticky, 'c1', 0)?.ip;
    assert.equal(b.pick(sticky, 'c1', 500)?.ip, first);
    assert.notEqual(b.pick(sticky, 'c2', 500)?.ip, first, 'another client goes round robin');
    assert.equal(b.pick(sticky, 'c1', 1400)?.ip, first, 'refreshed at each use');
    const without = { ...sticky, backends: sticky.backends.filter((x) => x.ip !== first) };
    assert.notEqual(b.pick(without, 'c1', 1500)?.ip, first);
    assert.equal(b.pick({ ...rule, backends: [] }, 'c1', 0), undefined);
  });
});
