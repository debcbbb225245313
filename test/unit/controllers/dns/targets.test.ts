import assert from 'node:assert/strict';
import { normalizeIngress, normalizeIp, recordsFor, targetsOf } from '../../../../controllers/dns/targets.js';

describe('load-balancer targets', () => {
  it('normalizeIp: one spelling per address; scoped and malformed addresses dropped', () => {
    assert.deepEqual(normalizeIp('10.0.0.1'), { family: 4, ip: '10.0.0.1' });
    assert.deepEqual(normalizeIp('2001:DB8:0:0::1'), { family: 6, ip: '2001:db8::1' });
    for (const bad of ['fe80::1%eth0', '10.0.0', '', undefined, 'example.com'])
      assert.equal(normalizeIp(bad), undefined, String(bad));
  });

  it('normalizeIngress: dedupes, sorts numerically (IPs first), splits ip+hostname entries', () => {
    assert.deepEqual(
      normalizeIngress({
        ingress: [
          { hostname: 'b.example.org' },
          { ip: '10.0.0.10', hostname: 'a.example.org' },
          { ip: '10.0.0.9' },
          { ip: '10.0.0.9' },
        ],
      }),
      [{ ip: '10.0.0.9' }, { ip: '10.0.0.10' }, { hostname: 'a.example.org' }, { hostname: 'b.example.org' }],
    );
    assert.deepEqual(normalizeIngress(undefined), []);
    assert.deepEqual(normalizeIngress({ ingress: 'x' as unknown as [] }), []);
  });

  it('targetsOf + recordsFor: IPv6 sorted by value, not text', () => {
    const t = targetsOf([{ ingress: [{ ip: '2001:db8::10' }, { ip: '2001:db8::9' }, { ip: '::1' }] }]);
    assert.deepEqual(t.v6, ['::1', '2001:db8::9', '2001:db8::10']);
    assert.deepEqual(recordsFor('x.example.com', t, 30), [
      {
        dnsName: 'x.example.com',
        recordType: 'AAAA',
        targets: ['::1', '2001:db8::9', '2001:db8::10'],
        recordTTL: 30,
      },
    ]);
    assert.deepEqual(recordsFor('x.example.com', targetsOf([]), 30), []);
  });
});
