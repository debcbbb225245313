import assert from 'node:assert/strict';
import { dnsSourceOf } from '../../../../controllers/dns/inputs.js';
import { dnsStatusFor, loadBalancerOf } from '../../../../controllers/dns/status.js';
import type { KubeFedCluster, Work } from '../../../../api/federation.js';
import { cluster, deepFreeze } from '../sync/fixtures.js';

function work(clusterName: string, ingress?: unknown[], opts: { deleting?: boolean } = {}): Work {
  return {
    metadata: {
      name: 'services.core.shop.web',
      namespace: `edgefed-cluster-${clusterName}`,
      ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
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
    ...(ingress ? { status: { remoteStatus: { loadBalancer: { ingress } } } } : {}),
  };
}

const clusters: KubeFedCluster[] = deepFreeze([
  cluster('east', { labels: { region: 'us-east', zone: 'us-east-1a' } }),
  cluster('west', {
    labels: { 'topology.kubernetes.io/region': 'us-west', 'topology.kubernetes.io/zone': 'us-west-1a' },
  }),
  cluster('down', { labels: { region: 'eu' }, ready: 'False' }),
  cluster('never', { ready: 'none' }),
  cluster('going', { deleting: true }),
]);

describe('dnsStatusFor (ServiceDNSRecord status.dns)', () => {
  it('one entry per placed cluster, sorted; Ready ones carry their addresses', () => {
    const got = dnsStatusFor(
      deepFreeze([
        work('west', [{ ip: '10.0.2.1' }]),
        work('east', [{ hostname: 'LB.example.org.' }, { ip: '10.0.1.1' }, { ip: '10.0.1.1' }]),
      ]),
      clusters,
    );
    assert.deepEqual(got, [
      {
        cluster: 'east',
        loadBalancer: { ingress: [{ ip: '10.0.1.1' }, { hostname: 'lb.example.org' }] },
        zones: ['us-east-1a'],
        region: 'us-east',
      },
      {
        cluster: 'west',
        loadBalancer: { ingress: [{ ip: '10.0.2.1' }] },
        zones: ['us-west-1a'],
        region: 'us-west',
      },
    ]);
  });

  it('a cluster that is not Ready stays listed without addresses (its names fall back to CNAMEs)', () => {
    const got = dnsStatusFor(
      [work('down', [{ ip: '10.9.9.9' }]), work('never', [{ ip: '10.8.8.8' }])],
      clusters,
    );
    assert.deepEqual(got, [
      { cluster: 'down', loadBalancer: {}, region: 'eu' },
      { cluster: 'never', loadBalancer: {} },
    ]);
  });

  it('skips unregistered and departing clusters and Works being withdrawn', () => {
    const got = dnsStatusFor(
      [
        work('gone', [{ ip: '10.0.0.1' }]),
        work('going', [{ ip: '10.0.0.2' }]),
        work('east', [{ ip: '10.0.0.3' }], { deleting: true }),
      ],
      clusters,
    );
    assert.deepEqual(got, []);
  });

  it('no status yet, or malformed status → no addresses', () => {
    const odd = work('east');
    odd.status = {
      remoteStatus: { loadBalancer: { ingress: [{ ip: 'not-an-ip' }, null, 7, { hostname: 'bad host' }] } },
    };
    assert.deepEqual(dnsStatusFor([work('east'), odd], clusters), [
      { cluster: 'east', loadBalancer: {}, zones: ['us-east-1a'], region: 'us-east' },
    ]);
    assert.deepEqual(loadBalancerOf({ ...work('east'), status: { remoteStatus: 'x' } }), {});
  });
});

describe('dnsSourceOf (which Works feed DNS records)', () => {
  it('Works of federated Services and Ingresses, by their target type; nothing else', () => {
    assert.deepEqual(dnsSourceOf(work('east')), {
      resource: 'federatedservices',
      namespace: 'shop',
      name: 'web',
    });
    const ing = work('east');
    ing.spec.source = {
      ...ing.spec.source,
      group: 'networking.k8s.io',
      kind: 'Ingress',
      resource: 'ingresses',
    };
    assert.deepEqual(dnsSourceOf(ing), { resource: 'federatedingresses', namespace: 'shop', name: 'web' });
    const cm = work('east');
    cm.spec.source = { ...cm.spec.source, kind: 'ConfigMap', resource: 'configmaps' };
    assert.equal(dnsSourceOf(cm), undefined);
    const crd = work('east');
    crd.spec.source = { ...crd.spec.source, group: 'example.com', resource: 'services' };
    assert.equal(dnsSourceOf(crd), undefined);
  });
});
