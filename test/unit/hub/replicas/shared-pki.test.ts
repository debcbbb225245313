import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from '../../../../pki/pki.js';
import { leaseLive, sanitizeReplicaId } from '../../../../hub/replicas/registry.js';
import { microTime } from '../../../../api/time.js';

describe('hub PKI shared by replicas (--pki-dir)', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgefed-pki-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replicas starting at once create one CA, and the same serving and admin certificates', async () => {
    const names = (host: string) => ({ dns: ['localhost', host], ips: ['127.0.0.1', '::1'] });
    const [a, b, c] = await Promise.all([
      ensurePki(dir, names('lb.example'), { shared: true }),
      ensurePki(dir, names('lb.example'), { shared: true }),
      ensurePki(dir, names('lb.example'), { shared: true }),
    ]);
    assert.equal(a.ca.cert, b.ca.cert);
    assert.equal(b.ca.cert, c.ca.cert);
    assert.equal(a.server.cert, c.server.cert);
    assert.equal(a.admin.cert, c.admin.cert);
    assert.equal(a.uncovered, undefined, '::1 counts as covered (Node prints it expanded)');
  });

  it('a second replica uses the existing directory as is and reports the names it misses', async () => {
    const first = await ensurePki(dir, { dns: ['localhost', 'hub-a'], ips: ['127.0.0.1'] }, { shared: true });
    const second = await ensurePki(
      dir,
      { dns: ['localhost', 'hub-b'], ips: ['127.0.0.1', '10.0.0.7'] },
      { shared: true },
    );
    assert.equal(second.server.cert, first.server.cert, 'not rewritten');
    assert.deepEqual(second.uncovered, ['hub-b', '10.0.0.7']);
    assert.equal(readFileSync(join(dir, 'server.crt'), 'utf8'), first.server.cert);
  });

  it("a hub's own directory re-issues the serving certificate for a new name, and only then", async () => {
    const one = await ensurePki(dir, { dns: ['localhost'], ips: ['127.0.0.1', '::1'] });
    const same = await ensurePki(dir, { dns: ['localhost'], ips: ['127.0.0.1', '::1'] });
    assert.equal(same.server.cert, one.server.cert, 'kept when every name is covered');
    const more = await ensurePki(dir, { dns: ['localhost', 'new.example'], ips: ['127.0.0.1'] });
    assert.notEqual(more.server.cert, one.server.cert);
    assert.match(new X509Certificate(more.server.cert).subjectAltName ?? '', /DNS:new\.example/);
    assert.equal(more.ca.cert, one.ca.cert);
  });

  it('a serving key that does not match its certificate (a crash between writes) is replaced', async () => {
    const one = await ensurePki(dir, { dns: ['localhost'], ips: ['127.0.0.1'] }, { shared: true });
    writeFileSync(join(dir, 'server.key'), one.admin.key);
    const two = await ensurePki(dir, { dns: ['localhost'], ips: ['127.0.0.1'] }, { shared: true });
    assert.notEqual(two.server.cert, one.server.cert);
    assert.equal(two.ca.cert, one.ca.cert);
  });
});

describe('hub replica leases', () => {
  it('sanitizeReplicaId makes a Lease name suffix', () => {
    assert.equal(sanitizeReplicaId('Node_1.example.com-6443'), 'node-1.example.com-6443');
    assert.equal(sanitizeReplicaId('--a--'), 'a');
    assert.throws(() => sanitizeReplicaId('___'));
    assert.ok(sanitizeReplicaId('x'.repeat(300)).length <= 200);
  });

  it('leaseLive: held and renewed within its duration', () => {
    const now = Date.parse('2026-01-01T00:00:10Z');
    const lease = (holderIdentity: string, renewedAt: number, leaseDurationSeconds = 15) => ({
      apiVersion: 'coordination.k8s.io/v1' as const,
      kind: 'Lease' as const,
      metadata: { name: 'l', namespace: 'ns' },
      spec: { holderIdentity, leaseDurationSeconds, renewTime: microTime(renewedAt) },
    });
    assert.equal(leaseLive(lease('a', now - 5_000), now), true);
    assert.equal(leaseLive(lease('a', now - 16_000), now), false);
    assert.equal(leaseLive(lease('', now), now), false, 'released');
    assert.equal(leaseLive(undefined, now), false);
  });
});
