import assert from 'node:assert/strict';
import { podDns } from '../../../../../agent/edge/node/container-spec.js';

const KUBE_SEARCH = ['ns.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];

describe("edge node: a pod's resolv.conf (dnsPolicy)", () => {
  const table: [string, Parameters<typeof podDns>[1], string | undefined, ReturnType<typeof podDns>][] = [
    [
      'ClusterFirst by default: the cluster DNS, kube search path, ndots:5',
      {},
      '10.96.0.10',
      { servers: ['10.96.0.10'], searches: KUBE_SEARCH, options: ['ndots:5'] },
    ],
    ['no cluster DNS at the site: the engine default', {}, undefined, undefined],
    ['Default: the node resolv.conf', { dnsPolicy: 'Default' }, '10.96.0.10', undefined],
    ['host network under ClusterFirst: the node resolv.conf', { hostNetwork: true }, '10.96.0.10', undefined],
    [
      'ClusterFirstWithHostNet',
      { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' },
      '10.96.0.10',
      { servers: ['10.96.0.10'], searches: KUBE_SEARCH, options: ['ndots:5'] },
    ],
    [
      'None: dnsConfig alone',
      {
        dnsPolicy: 'None',
        dnsConfig: { nameservers: ['192.0.2.53'], searches: ['corp'], options: [{ name: 'edns0' }] },
      },
      '10.96.0.10',
      { servers: ['192.0.2.53'], searches: ['corp'], options: ['edns0'] },
    ],
    [
      'ClusterFirst merges dnsConfig; an option overrides by name',
      {
        dnsConfig: {
          nameservers: ['192.0.2.53'],
          searches: ['corp', 'cluster.local'],
          options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }],
        },
      },
      '10.96.0.10',
      {
        servers: ['10.96.0.10', '192.0.2.53'],
        searches: [...KUBE_SEARCH, 'corp'],
        options: ['ndots:2', 'edns0'],
      },
    ],
  ];
  for (const [name, spec, dns, want] of table)
    it(name, () => assert.deepEqual(podDns('ns', spec, dns), want));
});
