import assert from 'node:assert/strict';
import * as dnsPacket from 'dns-packet';
import type { Endpoints } from '../../../../../agent/edge/controllers/endpoints/types.js';
import type { Service } from '../../../../../agent/edge/controllers/types.js';
import { lookup, type ServiceView } from '../../../../../agent/edge/dns/records.js';
import { answerQuery } from '../../../../../agent/edge/dns/server.js';

const services: Record<string, Service> = {
  'ns/web': {
    metadata: { name: 'web', namespace: 'ns' },
    spec: { clusterIP: '10.96.3.4', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  } as Service,
  'ns/db': {
    metadata: { name: 'db', namespace: 'ns' },
    spec: { clusterIP: 'None', ports: [{ port: 5432 }] },
  } as Service,
};
const endpoints: Record<string, Endpoints> = {
  'ns/db': {
    metadata: { name: 'db', namespace: 'ns' },
    subsets: [
      { addresses: [{ ip: '10.88.0.9' }, { ip: '10.88.0.7' }], notReadyAddresses: [{ ip: '10.88.0.8' }] },
    ],
  },
};
const view: ServiceView = {
  service: (ns, n) => services[`${ns}/${n}`],
  endpoints: (ns, n) => endpoints[`${ns}/${n}`],
};

describe('site cluster DNS records', () => {
  const table: [string, string, string, string[]][] = [
    ['web.ns.svc.cluster.local', 'A', 'NOERROR', ['10.96.3.4']],
    ['WEB.ns.svc.cluster.local.', 'A', 'NOERROR', ['10.96.3.4']],
    ['web.ns.svc.cluster.local', 'AAAA', 'NOERROR', []],
    ['db.ns.svc.cluster.local', 'A', 'NOERROR', ['10.88.0.7', '10.88.0.9']], // headless: ready pods only
    ['nope.ns.svc.cluster.local', 'A', 'NXDOMAIN', []],
    ['web.other.svc.cluster.local', 'A', 'NXDOMAIN', []],
    // What the search path tries first for `web.ns.svc.cluster.local` (4 dots < ndots 5).
    ['web.ns.svc.cluster.local.ns.svc.cluster.local', 'A', 'NXDOMAIN', []],
    ['cluster.local', 'A', 'NXDOMAIN', []],
    ['example.com', 'A', 'REFUSED', []],
    ['_http._tcp.web.ns.svc.cluster.local', 'SRV', 'NOERROR', ['80 web.ns.svc.cluster.local']],
    ['_http._udp.web.ns.svc.cluster.local', 'SRV', 'NXDOMAIN', []],
  ];
  for (const [name, type, rcode, want] of table)
    it(`${type} ${name} → ${rcode} ${want.join(',')}`, () => {
      const r = lookup(view, name, type);
      assert.equal(r.rcode, rcode);
      assert.deepEqual(
        r.answers.map((a) => (a.type === 'A' ? a.data : `${a.data.port} ${a.data.target}`)),
        want,
      );
    });

  it('answers wire-format queries with the id, the rcode and an authoritative A', () => {
    const q = dnsPacket.encode({
      type: 'query',
      id: 4242,
      questions: [{ type: 'A', name: 'web.ns.svc.cluster.local' }],
    });
    const r = dnsPacket.decode(answerQuery(view, q) as Buffer);
    assert.equal(r.id, 4242);
    assert.equal((r as { rcode?: string }).rcode, 'NOERROR');
    assert.equal((r.flags ?? 0) & dnsPacket.AUTHORITATIVE_ANSWER, dnsPacket.AUTHORITATIVE_ANSWER);
    assert.deepEqual(
      r.answers?.map((a) => (a as { data: string }).data),
      ['10.96.3.4'],
    );
    const refused = dnsPacket.decode(
      answerQuery(
        view,
        dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'A', name: 'example.org' }] }),
      ) as Buffer,
    );
    assert.equal((refused as { rcode?: string }).rcode, 'REFUSED');
    assert.equal(answerQuery(view, Buffer.from('junk')), undefined);
  });
});
