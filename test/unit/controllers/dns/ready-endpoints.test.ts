import assert from 'node:assert/strict';
import { dnsStatusFor, hasReadyEndpoints } from '../../../../controllers/dns/status.js';
import type { KubeFedCluster, Work } from '../../../../api/federation.js';
import type { PodSummary } from '../../../../api/pod-summary.js';
import { cluster } from '../sync/fixtures.js';

function work(clusterName: string, ip: string, pods?: PodSummary): Work {
  return {
    metadata: { name: 'services.core.shop.web', namespace: `edgefed-cluster-${clusterName}` },
    spec: {
      cluster: clusterName,
      source: {
        group: '',
        version: 'v1',
        kind: 'Service',
        resource: 'services',
        namespace: 'shop',
        name: 'web',
        uid: 'u',
      },
      manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' } },
    },
    status: { remoteStatus: { loadBalancer: { ingress: [{ ip }] } }, ...(pods ? { pods } : {}) },
  } as Work;
}

const clusters: KubeFedCluster[] = [cluster('c1'), cluster('c2')];

describe('Service DNS only with ready endpoints (kubefed allowServiceWithoutEndpoints)', () => {
  const table: [string, PodSummary | undefined, boolean][] = [
    ['no summary (agent does not report, Service without selector)', undefined, true],
    ['ready backends', { total: 2, ready: 1, restarts: 0 }, true],
    ['no ready backend', { total: 2, ready: 0, restarts: 0 }, false],
    ['no backend at all', { total: 0, ready: 0, restarts: 0 }, false],
  ];
  for (const [name, pods, want] of table)
    it(name, () => assert.equal(hasReadyEndpoints(work('c1', '1.1.1.1', pods)), want));

  it('a cluster without ready endpoints keeps its entry but not its address, unless allowed', () => {
    const works = [
      work('c1', '127.0.0.11', { total: 1, ready: 1, restarts: 0 }),
      work('c2', '127.0.0.12', { total: 1, ready: 0, restarts: 0 }),
    ];
    assert.deepEqual(
      dnsStatusFor(works, clusters, { requireEndpoints: true }).map((d) => [d.cluster, d.loadBalancer]),
      [
        ['c1', { ingress: [{ ip: '127.0.0.11' }] }],
        ['c2', {}],
      ],
    );
    assert.deepEqual(
      dnsStatusFor(works, clusters).map((d) => d.loadBalancer.ingress?.[0]?.ip),
      ['127.0.0.11', '127.0.0.12'],
    );
  });
});
