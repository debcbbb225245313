import assert from 'node:assert/strict';
import type { Endpoints } from '../../../../../agent/edge/controllers/endpoints/types.js';
import type { Service } from '../../../../../agent/edge/controllers/types.js';
import { clusterIpRules } from '../../../../../agent/edge/proxy/cluster-ip.js';
import { chainNames, jumps, restoreInput } from '../../../../../agent/edge/proxy/iptables.js';

const svc = (name: string, spec: Record<string, unknown>): Service => ({
  metadata: { name, namespace: 'ns' },
  spec: spec as Service['spec'],
});

describe('ClusterIP rules', () => {
  const eps = new Map<string, Endpoints>([
    [
      'ns/web',
      {
        metadata: { name: 'web', namespace: 'ns' },
        subsets: [
          {
            addresses: [{ ip: '10.88.0.5' }],
            notReadyAddresses: [{ ip: '10.88.0.6' }],
            ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          },
        ],
      },
    ],
  ]);
  it('routes every TCP port of a ClusterIP Service to its ready endpoints only', () => {
    const rules = clusterIpRules(
      [
        svc('web', {
          clusterIP: '10.96.0.20',
          ports: [
            { name: 'http', port: 80 },
            { name: 'dns', port: 53, protocol: 'UDP' },
          ],
        }),
        svc('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
        svc('ext', { type: 'ExternalName', externalName: 'x.example' }),
        svc('skipped', { clusterIP: '10.96.0.21', ports: [{ port: 80 }] }),
      ],
      eps,
      new Set(['ns/skipped']),
    );
    assert.deepEqual(rules, [
      {
        key: '10.96.0.20:80/TCP',
        clusterIP: '10.96.0.20',
        port: 80,
        service: 'ns/web',
        backends: [{ ip: '10.88.0.5', port: 8080 }],
      },
    ]);
  });
  it('keeps ClientIP affinity (kube default 3 h)', () => {
    const [r] = clusterIpRules(
      [
        svc('web', {
          clusterIP: '10.96.0.20',
          sessionAffinity: 'ClientIP',
          ports: [{ name: 'http', port: 80 }],
        }),
      ],
      eps,
    );
    assert.equal(r.affinityTimeoutMs, 10_800_000);
  });
});

describe('the site iptables chains', () => {
  it('are named per site, within iptables 28 characters', () => {
    const a = chainNames('a-very-long-site-name-that-goes-on-and-on');
    assert.match(a.nat, /^EDGEFED-SVC-[0-9A-F]{8}$/);
    assert.ok(a.filter.length <= 28);
    assert.notEqual(chainNames('one').nat, chainNames('two').nat);
  });
  it('restore input replaces only our chains: DNATs, then a REJECT for the rest of the range', () => {
    const { nat, filter } = chainNames('s');
    const text = restoreInput(
      's',
      [
        {
          proto: 'udp',
          ip: '10.96.0.10',
          port: 53,
          toIp: '10.88.0.1',
          toPort: 4053,
          comment: 'kube-system/kube-dns',
        },
        { proto: 'tcp', ip: '10.96.0.20', port: 80, toIp: '10.88.0.1', toPort: 4080, comment: 'ns/web' },
      ],
      '10.96.0.0/12',
    );
    assert.equal(
      text,
      [
        '*nat',
        `:${nat} - [0:0]`,
        `-A ${nat} -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -m comment --comment "ns/web" -j DNAT --to-destination 10.88.0.1:4080`,
        `-A ${nat} -d 10.96.0.10/32 -p udp -m udp --dport 53 -m comment --comment "kube-system/kube-dns" -j DNAT --to-destination 10.88.0.1:4053`,
        'COMMIT',
        '*filter',
        `:${filter} - [0:0]`,
        `-A ${filter} -d 10.96.0.0/12 -j REJECT --reject-with icmp-port-unreachable`,
        'COMMIT',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      jumps('s', '10.88.0.0/16').map(([t, c]) => `${t}/${c}`),
      ['nat/PREROUTING', 'nat/OUTPUT', 'filter/FORWARD', 'filter/OUTPUT'],
    );
  });
});
