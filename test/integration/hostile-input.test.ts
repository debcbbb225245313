import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  cleanup,
  kubectlSpawn,
  request,
  startHub,
  type HubProcess,
  type RawResponse,
} from '../helpers/hub.js';

interface Status {
  kind: string;
  code: number;
  reason: string;
  message: string;
}

const CM = '/api/v1/namespaces/default/configmaps';

/** The 380-byte "billion laughs": nine levels of nine aliases of the level below. */
function laughs(): string {
  const name = (i: number) => String.fromCharCode(97 + i);
  const lines = ['a: &a lol'];
  for (let i = 1; i <= 9; i++)
    lines.push(`${name(i)}: &${name(i)} [${Array.from({ length: 9 }, () => `*${name(i - 1)}`).join(',')}]`);
  return lines.join('\n') + '\n';
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function assertStatus(res: RawResponse, code: number, reason: string, message?: RegExp): Status {
  assert.equal(res.status, code, res.body.slice(0, 300));
  const st = res.json<Status>();
  assert.equal(st.kind, 'Status');
  assert.equal(st.code, code);
  assert.equal(st.reason, reason);
  if (message) assert.match(st.message, message);
  return st;
}

/** Polls /healthz every 50 ms until stopped; returns every latency. */
function pollHealth(hub: HubProcess): { stop(): Promise<number[]> } {
  const times: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = Date.now();
      const res = await request(hub, 'GET', '/healthz');
      times.push(Date.now() - t0);
      assert.equal(res.status, 200);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return times;
    },
  };
}

describe('hostile input: refused cleanly, the hub stays responsive', function () {
  this.timeout(90_000);
  let hub: HubProcess;
  const pid = () => hub.proc.pid as number;
  before(async () => {
    hub = await startHub();
  });
  after(async () => {
    await hub.stop();
    cleanup(hub.dataDir);
  });

  const exists = async (name: string) => (await request(hub, 'GET', `${CM}/${name}`)).status === 200;

  it('a YAML alias bomb is 413 at once; /healthz and kubectl get ns answer within 1 s meanwhile; RSS bounded', async () => {
    const bomb = laughs();
    assert.ok(bomb.length <= 400, `${bomb.length} bytes`);
    const rssBefore = rssBytes(pid());
    const health = pollHealth(hub);
    // kubectl's own log (-v=6) gives the server's answer time, apart from process start-up.
    const kubectl = kubectlSpawn(hub.kubeconfig, ['get', 'ns', '-v=6']);
    const kubectlDone = new Promise<number>((r) => kubectl.once('exit', (code) => r(code ?? -1)));
    const t0 = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(hub, 'POST', `${CM}?fieldValidation=Strict`, bomb, { 'content-type': 'application/yaml' }),
      ),
    );
    const elapsed = Date.now() - t0;
    assert.equal(await kubectlDone, 0, kubectl.output());
    const times = await health.stop();
    for (const res of answers)
      assertStatus(res, 413, 'RequestEntityTooLarge', /YAML aliases expand it past 3145728 bytes/);
    assert.ok(elapsed < 5000, `20 bombs took ${elapsed} ms`);
    assert.ok(times.length > 0);
    assert.ok(Math.max(...times) < 1000, `/healthz took ${Math.max(...times)} ms`);
    const m = /GET https:\S+\/api\/v1\/namespaces\S* 200 OK in (\d+) milliseconds/.exec(kubectl.output());
    assert.ok(m, kubectl.output());
    assert.ok(Number(m[1]) < 1000, `kubectl get ns: ${m[1]} ms`);
    assert.match(kubectl.output(), /default\s+Active/);
    const grown = rssBytes(pid()) - rssBefore;
    assert.ok(grown < 100 * 1024 * 1024, `RSS grew by ${Math.round(grown / 1048576)} MiB`);
  });

  it('the same bomb as an apply patch, and aliases stacking depth, are refused too', async () => {
    const res = await request(
      hub,
      'PATCH',
      `${CM}/bomb?fieldManager=t`,
      `apiVersion: v1\nkind: ConfigMap\n${laughs()}`,
      {
        'content-type': 'application/apply-patch+yaml',
      },
    );
    assertStatus(res, 413, 'RequestEntityTooLarge');
    const deep = ['a0: &a0 [1]'];
    for (let i = 1; i < 40; i++) deep.push(`a${i}: &a${i} [[[*a${i - 1}]]]`);
    const d = await request(hub, 'POST', CM, deep.join('\n') + '\n', { 'content-type': 'application/yaml' });
    assertStatus(d, 400, 'BadRequest', /exceeded max depth: .* at most 100 levels \(aliases included\)/);
    const cyc = await request(hub, 'POST', CM, 'a: &a {b: *a}\n', { 'content-type': 'application/yaml' });
    assertStatus(cyc, 400, 'BadRequest', /contains an alias to itself/);
  });

  it('an unknown non-Latin-1 field: Warn stores it and answers 201 with an escaped Warning; Strict is 400 and stores nothing', async () => {
    const body = (name: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, 'x\u2603': 1 },
        data: { a: '1' },
      });
    const warn = await request(hub, 'POST', `${CM}?fieldValidation=Warn`, body('snow-warn'));
    assert.equal(warn.status, 201, warn.body);
    assert.equal(warn.headers.warning, '299 - "unknown field \\"metadata.x\\\\u2603\\""');
    assert.ok(await exists('snow-warn'));
    const strict = await request(hub, 'POST', `${CM}?fieldValidation=Strict`, body('snow-strict'));
    assertStatus(strict, 400, 'BadRequest', /^strict decoding error: unknown field "metadata\.x\u2603"$/);
    assert.equal(await exists('snow-strict'), false);
  });

  describe('JSON nested thousands deep: 400 before anything recurses', () => {
    const nested = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    for (const [what, method, path, ct, body] of [
      [
        'create',
        'POST',
        CM,
        'application/json',
        `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep","annotations":${nested(5000)}}}`,
      ],
      ['create, 100,000 deep', 'POST', CM, 'application/json', nested(100_000)],
      ['merge patch', 'PATCH', `${CM}/snow-warn`, 'application/merge-patch+json', nested(5000)],
      [
        'apply patch (JSON)',
        'PATCH',
        `${CM}/snow-warn?fieldManager=t`,
        'application/apply-patch+yaml',
        nested(5000),
      ],
      ['DeleteOptions', 'DELETE', `${CM}/snow-warn`, 'application/json', nested(5000)],
    ] as const) {
      it(what, async () => {
        // Node's client sends DELETE bodies unframed unless told their length.
        const headers = { 'content-type': ct, 'content-length': String(Buffer.byteLength(body)) };
        const res = await request(hub, method, path, body, headers);
        assertStatus(res, 400, 'BadRequest', /exceeded max depth/);
      });
    }
    it('the object the refused patches and delete aimed at is untouched', async () => {
      assert.ok(await exists('snow-warn'));
    });
  });

  describe('duplicate JSON keys', () => {
    const dup = (name: string) =>
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"},"data":{"a":"1","a":"2"}}`;
    it('Strict: 400 strict decoding error naming the field; nothing stored', async () => {
      const res = await request(hub, 'POST', `${CM}?fieldValidation=Strict`, dup('dup-strict'));
      assertStatus(res, 400, 'BadRequest', /^strict decoding error: duplicate field "data\.a"$/);
      assert.equal(await exists('dup-strict'), false);
    });
    it('Warn: 201, a warning, the last value wins', async () => {
      const res = await request(hub, 'POST', `${CM}?fieldValidation=Warn`, dup('dup-warn'));
      assert.equal(res.status, 201, res.body);
      assert.equal(res.headers.warning, '299 - "duplicate field \\"data.a\\""');
      assert.deepEqual(res.json<{ data: Record<string, string> }>().data, { a: '2' });
    });
    it('Ignore: 201, no warning', async () => {
      const res = await request(hub, 'POST', `${CM}?fieldValidation=Ignore`, dup('dup-ignore'));
      assert.equal(res.status, 201, res.body);
      assert.equal(res.headers.warning, undefined);
    });
    it('in a merge patch under Strict: 400', async () => {
      const res = await request(
        hub,
        'PATCH',
        `${CM}/dup-warn?fieldValidation=Strict`,
        '{"data":{"b":"1","b":"2"}}',
        { 'content-type': 'application/merge-patch+json' },
      );
      assertStatus(res, 400, 'BadRequest', /duplicate field "data\.b"/);
    });
  });
});
