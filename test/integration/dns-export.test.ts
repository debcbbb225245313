import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, kubectlOk, tempDir, toYaml, waitFor } from '../helpers/hub.js';
import {
  dig,
  digUntil,
  domainYaml,
  endpointYaml,
  ensureDnsCrds,
  etcdGetPrefix,
  etcdctl,
  startDnsHub,
  startEtcd,
  startKnot,
  type Daemon,
  type Dig,
  type DnsHub,
} from '../helpers/dns.js';

const KEY = 'edgefed-key';

/**
 * What knotd answers, over TCP, asked again until it answers at all: a dig that got no answer
 * (a loaded machine, one 3 s UDP try) has an empty answer section too, and must not read as
 * "the record is gone".
 */
async function knotAnswer(port: number, name: string, type = 'A'): Promise<Dig> {
  return digUntil(
    port,
    ['+tcp', '+tries=2', '+timeout=5', name, type],
    (d) => d.status === 'NOERROR' || d.status === 'NXDOMAIN',
    `an answer from knotd for ${name} ${type}`,
    30_000,
  );
}

/** An RFC 2136 update by someone else (nsupdate, over TCP, signed with the zone's key). */
function nsupdate(port: number, secret: string, lines: string[]): void {
  const r = spawnSync('nsupdate', ['-v', '-y', `hmac-sha256:${KEY}:${secret}`], {
    input: [`server 127.0.0.1 ${port}`, 'zone example.com', ...lines, 'send', ''].join('\n'),
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, `nsupdate: ${r.stdout}${r.stderr}`);
}

describe('DNS export: CoreDNS etcd layout (real etcd) and RFC 2136 (real knotd)', function () {
  this.timeout(120_000);
  let dir: string;
  let etcd: Daemon & { endpoint: string };
  let knot: Daemon;
  let hub: DnsHub;
  let secret: string;
  const others: DnsHub[] = [];

  const www = (targets: string[]) =>
    endpointYaml('default', 'service-www', [
      { dnsName: 'www.example.com', recordType: 'A', targets, recordTTL: 60 },
      { dnsName: 'alias.example.com', recordType: 'CNAME', targets: ['www.example.com'] },
      { dnsName: 'www.example.com', recordType: 'TXT', targets: ['v=edgefed'] },
      { dnsName: '_http._tcp.www.example.com', recordType: 'SRV', targets: ['0 10 80 www.example.com'] },
      // Someone else's name on the knot side: never overwritten.
      { dnsName: 'taken.example.com', recordType: 'A', targets: ['192.0.2.77'] },
      // Someone else's RRset, identical to what we want: not ours either, never adopted nor deleted.
      { dnsName: 'same.example.com', recordType: 'A', targets: ['192.0.2.50'] },
      { dnsName: 'www.default.svc.clusterset.local', recordType: 'A', targets },
    ]);

  /** Our keys under /skydns as `key-without-id value-host`, sorted. */
  const skydns = (): string[] =>
    [...etcdGetPrefix(etcd.endpoint, '/skydns')]
      .map(([k, v]) => {
        const parsed = JSON.parse(v) as {
          host?: string;
          text?: string;
          port?: number;
          edgefed_owner?: string;
        };
        return `${k.replace(/\/edgefed-[0-9a-f]{16}$/, '/<id>')} ${parsed.host ?? ''}${parsed.text ?? ''}${parsed.port ? `:${parsed.port}` : ''} ${parsed.edgefed_owner ?? 'foreign'}`;
      })
      .sort();

  before(async () => {
    dir = tempDir('edgefed-dns-export-');
    secret = randomBytes(32).toString('base64');
    writeFileSync(join(dir, 'tsig.secret'), `${secret}\n`, { mode: 0o600 });
    [etcd, knot] = await Promise.all([
      startEtcd(dir),
      startKnot(
        dir,
        'example.com',
        [
          'foreign IN A 198.51.100.1',
          'taken IN A 198.51.100.2',
          'same 180 IN A 192.0.2.50',
          // What a claim of ours left behind when its answer was lost (see the last test).
          'lost 180 IN A 192.0.2.60',
        ],
        KEY,
        secret,
      ),
    ]);
    // A key someone else owns under the same prefix.
    assert.equal(
      etcdctl(etcd.endpoint, ['put', '/skydns/com/example/foreign/x1', '{"host":"198.51.100.1"}']).code,
      0,
    );
    hub = await startDnsHub([
      '--no-controllers',
      '--log-level',
      'info',
      '--dns-etcd-endpoints',
      etcd.endpoint,
      '--dns-rfc2136-server',
      `127.0.0.1:${knot.port}`,
      '--dns-rfc2136-zone',
      'example.com',
      '--dns-rfc2136-tsig-name',
      KEY,
      '--dns-rfc2136-tsig-secret-file',
      join(dir, 'tsig.secret'),
    ]);
    ensureDnsCrds(hub.kubeconfig);
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(domainYaml('fed', 'example.com'), www(['192.0.2.1', '192.0.2.2'])),
    );
  });

  after(async () => {
    await Promise.all([hub?.stop(), ...others.map((h) => h.stop())]);
    await Promise.all([etcd?.stop(), knot?.stop()]);
    if (dir) cleanup(dir);
    for (const h of [hub, ...others]) if (h) cleanup(h.dataDir);
  });

  it('etcd holds the records in the skydns layout, next to a foreign key it leaves alone', async () => {
    const want = [
      '/skydns/com/example/alias/<id> www.example.com edgefed',
      '/skydns/com/example/foreign/x1 198.51.100.1 foreign',
      '/skydns/com/example/same/<id> 192.0.2.50 edgefed',
      '/skydns/com/example/taken/<id> 192.0.2.77 edgefed',
      '/skydns/com/example/www/<id> 192.0.2.1 edgefed',
      '/skydns/com/example/www/<id> 192.0.2.2 edgefed',
      '/skydns/com/example/www/<id> v=edgefed edgefed',
      '/skydns/com/example/www/_tcp/_http/<id> www.example.com:80 edgefed',
      '/skydns/local/clusterset/svc/default/www/<id> 192.0.2.1 edgefed',
      '/skydns/local/clusterset/svc/default/www/<id> 192.0.2.2 edgefed',
    ];
    await waitFor(
      'etcd export',
      () => JSON.stringify(skydns()) === JSON.stringify(want) || undefined,
      15_000,
      200,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\ngot:\n${skydns().join('\n')}\nhub log:\n${hub.logs().slice(-3000)}`);
    });
    const value = JSON.parse(
      [...etcdGetPrefix(etcd.endpoint, '/skydns/com/example/www/')].find(([, v]) =>
        v.includes('192.0.2.1'),
      )![1],
    ) as Record<string, unknown>;
    assert.deepEqual(value, { host: '192.0.2.1', ttl: 60, edgefed_owner: 'edgefed' });
  });

  it('knotd serves the same records after RFC 2136 updates; its own records are untouched', async () => {
    const K = knot.port;
    await digUntil(K, ['www.example.com', 'A'], (d) => d.answer.length === 2, 'A records on knot').catch(
      (e: Error) => {
        throw new Error(
          `${e.message}\nhub log:\n${hub.logs().slice(-3000)}\nknot log:\n${knot.logs().slice(-2000)}`,
        );
      },
    );
    assert.deepEqual(dig(K, ['www.example.com', 'A']).answer, [
      'www.example.com. 60 IN A 192.0.2.1',
      'www.example.com. 60 IN A 192.0.2.2',
    ]);
    assert.deepEqual(dig(K, ['alias.example.com', 'CNAME']).answer, [
      'alias.example.com. 180 IN CNAME www.example.com.',
    ]);
    assert.deepEqual(dig(K, ['www.example.com', 'TXT']).answer, ['www.example.com. 180 IN TXT "v=edgefed"']);
    assert.deepEqual(dig(K, ['_http._tcp.www.example.com', 'SRV']).answer, [
      '_http._tcp.www.example.com. 180 IN SRV 0 10 80 www.example.com.',
    ]);
    // The same answers from our own server.
    assert.deepEqual(
      dig(hub.dnsPort, ['www.example.com', 'A']).answer,
      dig(K, ['www.example.com', 'A']).answer,
    );
    // Names the server already had are reported, not overwritten (the claims run one RRset at a
    // time: wait for the exporter to have reached them, do not assume it has).
    for (const name of ['taken', 'same'])
      await waitFor(
        `${name}.example.com reported`,
        () => new RegExp(`${name}\\.example\\.com A.*not ours; left alone`).test(hub.logs()) || undefined,
        15_000,
        100,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\nhub log:\n${hub.logs().slice(-3000)}`);
      });
    assert.deepEqual((await knotAnswer(K, 'taken.example.com')).answer, [
      'taken.example.com. 300 IN A 198.51.100.2',
    ]);
    assert.deepEqual((await knotAnswer(K, 'same.example.com')).answer, [
      'same.example.com. 180 IN A 192.0.2.50',
    ]);
    assert.deepEqual((await knotAnswer(K, 'foreign.example.com')).answer, [
      'foreign.example.com. 300 IN A 198.51.100.1',
    ]);
  });

  it('a record someone else adds to one of our RRsets is theirs: our changes delete only our records', async () => {
    nsupdate(knot.port, secret, ['update add www.example.com 60 A 198.51.100.9']);
    assert.deepEqual((await knotAnswer(knot.port, 'www.example.com')).answer, [
      'www.example.com. 60 IN A 192.0.2.1',
      'www.example.com. 60 IN A 192.0.2.2',
      'www.example.com. 60 IN A 198.51.100.9',
    ]);
  });

  it('a changed record is replaced in both places', async () => {
    kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], toYaml(www(['192.0.2.3'])));
    await digUntil(
      knot.port,
      ['+tcp', 'www.example.com'],
      (d) => !d.answer.includes('www.example.com. 60 IN A 192.0.2.1'),
      'knot updated',
    );
    // Ours replaced; the record someone else added is still there.
    assert.deepEqual((await knotAnswer(knot.port, 'www.example.com')).answer, [
      'www.example.com. 60 IN A 192.0.2.3',
      'www.example.com. 60 IN A 198.51.100.9',
    ]);
    await waitFor(
      'etcd updated',
      () => {
        const hosts = skydns().filter((l) => l.startsWith('/skydns/com/example/www/<id>'));
        return JSON.stringify(hosts) ===
          JSON.stringify([
            '/skydns/com/example/www/<id> 192.0.2.3 edgefed',
            '/skydns/com/example/www/<id> v=edgefed edgefed',
          ])
          ? true
          : undefined;
      },
      15_000,
      200,
    );
  });

  it('a deleted DNSEndpoint disappears from etcd and from knotd; foreign records stay', async () => {
    kubectlOk(hub.kubeconfig, ['delete', 'dnsendpoint', 'service-www', '-n', 'default']);
    await waitFor(
      'etcd keys removed',
      () =>
        JSON.stringify(skydns()) ===
          JSON.stringify(['/skydns/com/example/foreign/x1 198.51.100.1 foreign']) || undefined,
      15_000,
      200,
    );
    for (const [name, type] of [
      ['alias.example.com', 'CNAME'],
      ['_http._tcp.www.example.com', 'SRV'],
    ])
      await digUntil(
        knot.port,
        ['+tcp', name, type],
        (d) => d.status === 'NXDOMAIN',
        `${name} gone from knot`,
      );
    await digUntil(
      knot.port,
      ['+tcp', 'www.example.com', 'TXT'],
      (d) => d.status === 'NOERROR' && d.answer.length === 0,
      'www TXT gone from knot',
    );
    // What is left at www is the record someone else added; every name we never owned is intact.
    assert.deepEqual((await knotAnswer(knot.port, 'www.example.com')).answer, [
      'www.example.com. 60 IN A 198.51.100.9',
    ]);
    assert.deepEqual((await knotAnswer(knot.port, 'foreign.example.com')).answer, [
      'foreign.example.com. 300 IN A 198.51.100.1',
    ]);
    assert.deepEqual((await knotAnswer(knot.port, 'taken.example.com')).answer, [
      'taken.example.com. 300 IN A 198.51.100.2',
    ]);
    assert.deepEqual((await knotAnswer(knot.port, 'same.example.com')).answer, [
      'same.example.com. 180 IN A 192.0.2.50',
    ]);
  });

  it('a claim of ours whose answer was lost (still in the state file) is adopted when the server has exactly it, then managed', async () => {
    // The hub knows the endpoint before its exporter starts (as after a crash mid-claim).
    const dataDir = tempDir('edgefed-dns-lost-');
    const first = await startDnsHub(['--no-controllers'], dataDir);
    ensureDnsCrds(first.kubeconfig);
    kubectlOk(
      first.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        domainYaml('fed', 'example.com'),
        endpointYaml('default', 'lost', [
          { dnsName: 'lost.example.com', recordType: 'A', targets: ['192.0.2.60'] },
        ]),
      ),
    );
    await first.stop();
    mkdirSync(join(dataDir, 'dns'), { recursive: true });
    const sent = { name: 'lost.example.com', type: 'A', ttl: 180, rdata: ['192.0.2.60'] };
    writeFileSync(
      join(dataDir, 'dns', `rfc2136-third-example.com-127.0.0.1-${knot.port}.json`),
      JSON.stringify({
        version: 1,
        server: `127.0.0.1:${knot.port}`,
        zone: 'example.com',
        rrsets: [],
        claiming: [sent],
      }),
    );
    const third = await startDnsHub(
      [
        '--no-controllers',
        '--log-level',
        'info',
        '--dns-owner-id',
        'third',
        '--dns-rfc2136-server',
        `127.0.0.1:${knot.port}`,
        '--dns-rfc2136-zone',
        'example.com',
        '--dns-rfc2136-tsig-name',
        KEY,
        '--dns-rfc2136-tsig-secret-file',
        join(dir, 'tsig.secret'),
      ],
      dataDir,
    );
    others.push(third);
    await waitFor(
      'the lost claim adopted',
      () => /lost\.example\.com A.*answer was lost had been applied; adopted/.test(third.logs()) || undefined,
      15_000,
      100,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nhub log:\n${third.logs().slice(-3000)}`);
    });
    // Ours now: removing the endpoint removes it from knotd; the identical foreign RRset stays.
    kubectlOk(third.kubeconfig, ['delete', 'dnsendpoint', 'lost', '-n', 'default']);
    await digUntil(
      knot.port,
      ['+tcp', 'lost.example.com'],
      (d) => d.status === 'NXDOMAIN',
      'lost gone from knot',
    );
    assert.deepEqual((await knotAnswer(knot.port, 'same.example.com')).answer, [
      'same.example.com. 180 IN A 192.0.2.50',
    ]);
  });

  it('a wrong TSIG secret is refused (NOTAUTH) and said so in the hub log, without the secret', async () => {
    const wrong = randomBytes(32).toString('base64');
    writeFileSync(join(dir, 'wrong.secret'), wrong, { mode: 0o600 });
    const bad = await startDnsHub([
      '--no-controllers',
      '--dns-owner-id',
      'second',
      '--dns-rfc2136-server',
      `127.0.0.1:${knot.port}`,
      '--dns-rfc2136-zone',
      'example.com',
      '--dns-rfc2136-tsig-name',
      KEY,
      '--dns-rfc2136-tsig-secret-file',
      join(dir, 'wrong.secret'),
    ]);
    others.push(bad);
    ensureDnsCrds(bad.kubeconfig);
    kubectlOk(
      bad.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(
        domainYaml('fed', 'example.com'),
        endpointYaml('default', 'x', [
          { dnsName: 'wrong.example.com', recordType: 'A', targets: ['192.0.2.99'] },
        ]),
      ),
    );
    await waitFor(
      'the refusal in the log',
      () => /NOTAUTH, TSIG error BADSIG/.test(bad.logs()) || undefined,
      15_000,
      200,
    );
    const line = bad
      .logs()
      .split('\n')
      .find((l) => l.includes('BADSIG'))!;
    assert.match(line, /"level":50/);
    assert.match(line, /does not accept TSIG key \\"edgefed-key\\"/);
    assert.ok(!bad.logs().includes(wrong) && !bad.logs().includes(secret), 'no secret in the log');
    assert.equal((await knotAnswer(knot.port, 'wrong.example.com')).status, 'NXDOMAIN');
  });
});
