import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { validateAgainstSchema } from '../../../../apiserver/schema/validate.js';
import type { JSONSchemaProps, KubeObject } from '../../../../api/kubernetes.js';
import { desiredDnsEndpoint } from '../../../../controllers/dns/dnsendpoint.js';
import { buildServiceEndpoints } from '../../../../controllers/dns/endpoints.js';
import { ROOT } from '../../../helpers/hub.js';

function schema(plural: string): JSONSchemaProps {
  const crd = yaml.load(
    readFileSync(join(ROOT, 'crds', `multiclusterdns.kubefed.io_${plural}.yaml`), 'utf8'),
  ) as KubeObject & { spec: { versions: { schema: { openAPIV3Schema: JSONSchemaProps } }[] } };
  assert.equal(crd.metadata.name, `${plural}.multiclusterdns.kubefed.io`);
  return crd.spec.versions[0].schema.openAPIV3Schema;
}

describe('multiclusterdns.kubefed.io CRDs (crds/)', () => {
  it('kubefed v0.6 manifests validate unchanged', () => {
    const domain = {
      apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
      kind: 'Domain',
      metadata: { name: 'test-domain', namespace: 'kube-federation-system' },
      domain: 'example.com',
      nameServer: 'ns1.example.com',
    };
    assert.deepEqual(validateAgainstSchema(domain, schema('domains')), []);
    assert.notDeepEqual(validateAgainstSchema({ ...domain, domain: undefined }, schema('domains')), []);

    const record = {
      apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
      kind: 'ServiceDNSRecord',
      metadata: { name: 'test-service', namespace: 'test-namespace' },
      spec: {
        domainRef: 'test-domain',
        recordTTL: 300,
        dnsPrefix: 'www',
        externalName: 'x.example.org',
        allowServiceWithoutEndpoints: true,
      },
      status: {
        domain: 'example.com',
        dns: [
          { cluster: 'c1', loadBalancer: { ingress: [{ ip: '10.0.0.1' }] }, zones: ['z1'], region: 'r1' },
        ],
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'RecordsPublished',
            lastTransitionTime: '2024-01-01T00:00:00Z',
          },
        ],
      },
    };
    assert.deepEqual(validateAgainstSchema(record, schema('servicednsrecords')), []);
    assert.notDeepEqual(
      validateAgainstSchema({ ...record, spec: {} }, schema('servicednsrecords')),
      [],
      'domainRef is required',
    );

    const ingress = {
      apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
      kind: 'IngressDNSRecord',
      metadata: { name: 'test-ingress', namespace: 'test-namespace' },
      spec: { hosts: ['ingress.example.com'], recordTTL: 300 },
      status: { dns: [{ cluster: 'c1', loadBalancer: { ingress: [{ hostname: 'lb.example.org' }] } }] },
    };
    assert.deepEqual(validateAgainstSchema(ingress, schema('ingressdnsrecords')), []);

    const external = {
      apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
      kind: 'DNSEndpoint',
      metadata: { name: 'e', namespace: 'n' },
      spec: {
        endpoints: [
          {
            dnsName: 'a.example.com',
            targets: ['10.0.0.1'],
            recordType: 'A',
            setIdentifier: 'eu',
            recordTTL: 60,
            labels: { owner: 'me' },
            providerSpecific: [{ name: 'aws/weight', value: '10' }],
          },
        ],
      },
      status: { observedGeneration: 2 },
    };
    assert.deepEqual(validateAgainstSchema(external, schema('dnsendpoints')), []);
  });

  it('the DNSEndpoints the controller writes validate', () => {
    const eps = buildServiceEndpoints({
      name: 'web',
      namespace: 'shop',
      federation: 'fed',
      domain: 'example.com',
      dnsPrefix: 'www',
      dns: [
        {
          cluster: 'a',
          region: 'eu',
          zones: ['eu-1'],
          loadBalancer: { ingress: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] },
        },
      ],
    });
    const owner = {
      apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
      kind: 'ServiceDNSRecord',
      metadata: { name: 'web', namespace: 'shop', uid: 'u' },
    };
    assert.deepEqual(
      validateAgainstSchema(desiredDnsEndpoint(owner, 'service', eps), schema('dnsendpoints')),
      [],
    );
  });
});
