/**
 * A client that asks for a large list and then never reads it (issue 17, finding 8: through the
 * hub's proxy this grew an edge site's agent, whose API server runs in-process, from 251 MiB to
 * 2 GB). The API server encodes a large JSON list one item at a time as the socket drains, so such
 * a client holds the items the server read, never a second copy of the whole list as one string and
 * buffer, and the memory goes back when the client leaves. Measured on a real `edgefed apiserver`
 * process (the same library an edge site embeds).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { cleanup, request, startHub, type HubProcess } from '../helpers/hub.js';

const CM = '/api/v1/namespaces/default/configmaps';
const OBJECTS = 300;
const VALUE = 'x'.repeat(200_000); // 300 × 200 kB: a 60 MB list

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a client that never reads a large list (slow reader)', function () {
  this.timeout(240_000);
  let server: HubProcess;
  before(async () => {
    server = await startHub({ command: 'apiserver' });
    for (let i = 0; i < OBJECTS; i += 10)
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const r = await request(server, 'POST', CM, {
            metadata: { name: `big-${i + j}` },
            data: { v: VALUE },
          });
          assert.equal(r.status, 201, r.body.slice(0, 200));
        }),
      );
  });
  after(async () => {
    await server?.stop();
    if (server) cleanup(server.dataDir);
  });

  // First, before any reader has made the server build the list once (RSS rarely shrinks back).
  it('costs the server far less than a copy of the list while it does not read', async () => {
    const pid = server.proc.pid!;
    await sleep(1000);
    const base = rssMiB(pid);
    const held = https.request(`${server.url}${CM}`, {
      ca: server.tls.ca,
      cert: server.tls.cert,
      key: server.tls.key,
    });
    held.on('error', () => {});
    const got = new Promise<void>((resolve) =>
      held.on('response', (res) => {
        res.pause(); // headers read; the body never is
        resolve();
      }),
    );
    held.end();
    await got;
    let peak = 0;
    for (let i = 0; i < 10; i++) {
      await sleep(500);
      peak = Math.max(peak, rssMiB(pid));
    }
    console.log(`      RSS +${(peak - base).toFixed(0)} MiB while a 60 MB list is not read`);
    // Encoding the whole 60 MB list at once (string + buffer + the parsed items) cost +320 MiB here.
    assert.ok(peak - base < 200, `RSS grew by ${(peak - base).toFixed(0)} MiB while the client did not read`);
    held.destroy();
    // The server keeps answering meanwhile and afterwards.
    const ok = await request(server, 'GET', '/healthz');
    assert.equal(ok.status, 200);
  });
  it('the list a reader gets is the same JSON, item by item', async () => {
    const r = await request(server, 'GET', CM);
    assert.equal(r.status, 200);
    const list = r.json<{
      kind: string;
      metadata: { resourceVersion: string };
      items: { metadata: { name: string } }[];
    }>();
    assert.equal(list.kind, 'ConfigMapList');
    assert.match(list.metadata.resourceVersion, /^\d+$/);
    assert.equal(list.items.length, OBJECTS);
    assert.equal(new Set(list.items.map((i) => i.metadata.name)).size, OBJECTS);
  });
});
