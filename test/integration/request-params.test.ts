import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { cleanup, request, startHub, waitFor, type HubProcess } from '../helpers/hub.js';

interface Status {
  kind: string;
  apiVersion: string;
  status: string;
  code: number;
  reason: string;
  message: string;
}

const CM = '/api/v1/namespaces/default/configmaps';

/** What kube-apiserver answers: the code, the reason and the message (exact, or a pattern). */
interface Case {
  name: string;
  method?: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  code: number;
  reason?: string;
  message?: string | RegExp;
  /** For 200s: what the body is. */
  kind?: string;
}

/** A request whose answer streams: resolves with the status and headers, and a way to read on. */
function openStream(
  hub: HubProcess,
  path: string,
): Promise<{ status: number; ended: () => boolean; body: () => string; close(): void }> {
  const u = new URL(path, hub.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        ca: hub.tls.ca,
        cert: hub.tls.cert,
        key: hub.tls.key,
      },
      (res) => {
        let ended = false;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => (ended = true));
        res.on('close', () => (ended = true));
        resolve({
          status: res.statusCode ?? 0,
          ended: () => ended,
          body: () => body,
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('request parameters and paths, answered as kube-apiserver answers them', function () {
  this.timeout(90_000);
  let hub: HubProcess;
  before(async () => {
    // Compaction every second keeping one revision: old resourceVersions expire quickly.
    hub = await startHub({
      extraArgs: ['--no-controllers', '--compact-interval', '1', '--compact-keep', '1'],
    });
    const res = await request(hub, 'POST', CM, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'params' },
      data: { a: '1' },
    });
    assert.equal(res.status, 201, res.body);
  });
  after(async () => {
    await hub.stop();
    cleanup(hub.dataDir);
  });

  const bools: Case[] = [
    ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((v) => ({
      name: `watch=${v} is a watch`,
      path: `${CM}?watch=${v}&timeoutSeconds=1`,
      code: 200,
      kind: 'watch',
    })),
    ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((v) => ({
      name: `watch=${v} is a list`,
      path: `${CM}?watch=${v}`,
      code: 200,
      kind: 'ConfigMapList',
    })),
    ...['yes', 'tRuE', '', '2'].map((v) => ({
      name: `watch=${JSON.stringify(v)} → 400`,
      path: `${CM}?watch=${v}`,
      code: 400,
      reason: 'BadRequest',
      message: `invalid value for query parameter "watch": strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`,
    })),
    {
      name: 'allowWatchBookmarks=nope → 400 naming it',
      path: `${CM}?watch=1&allowWatchBookmarks=nope`,
      code: 400,
      reason: 'BadRequest',
      message: /^invalid value for query parameter "allowWatchBookmarks"/,
    },
  ];

  const ints: Case[] = [
    {
      name: 'limit=abc → 400 naming limit',
      path: `${CM}?limit=abc`,
      code: 400,
      reason: 'BadRequest',
      message: 'invalid value for query parameter "limit": strconv.ParseInt: parsing "abc": invalid syntax',
    },
    {
      name: 'limit=-1 → 400',
      path: `${CM}?limit=-1`,
      code: 400,
      reason: 'BadRequest',
      message: 'invalid value for query parameter "limit": must be greater than or equal to 0, got -1',
    },
    { name: 'limit=1 → a list', path: `${CM}?limit=1`, code: 200, kind: 'ConfigMapList' },
    {
      name: 'timeoutSeconds=1.5 → 400',
      path: `${CM}?watch=true&timeoutSeconds=1.5`,
      code: 400,
      reason: 'BadRequest',
      message:
        'invalid value for query parameter "timeoutSeconds": strconv.ParseInt: parsing "1.5": invalid syntax',
    },
    {
      name: 'timeoutSeconds past int64 → 400',
      path: `${CM}?watch=true&timeoutSeconds=99999999999999999999`,
      code: 400,
      reason: 'BadRequest',
      message: /"timeoutSeconds": strconv\.ParseInt: parsing "99999999999999999999": value out of range/,
    },
    {
      name: 'gracePeriodSeconds=soon on delete → 400',
      method: 'DELETE',
      path: `${CM}/params?gracePeriodSeconds=soon`,
      code: 400,
      reason: 'BadRequest',
      message: /"gracePeriodSeconds": strconv\.ParseInt/,
    },
  ];

  const resourceVersions: Case[] = [
    {
      name: 'list resourceVersion=abc → 400',
      path: `${CM}?resourceVersion=abc`,
      code: 400,
      reason: 'BadRequest',
      message: 'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
    },
    {
      name: 'watch resourceVersion=-5 → 400 (before the stream starts)',
      path: `${CM}?watch=true&resourceVersion=-5`,
      code: 400,
      reason: 'BadRequest',
      message: 'resourceVersion: Invalid value: "-5": strconv.ParseUint: parsing "-5": invalid syntax',
    },
    {
      name: 'resourceVersionMatch=Exact without a resourceVersion → 400',
      path: `${CM}?resourceVersionMatch=Exact`,
      code: 400,
      reason: 'BadRequest',
      message: 'resourceVersionMatch=Exact requires a resourceVersion',
    },
    {
      name: 'resourceVersionMatch=Sometimes → 400',
      path: `${CM}?resourceVersionMatch=Sometimes&resourceVersion=1`,
      code: 400,
      reason: 'BadRequest',
      message: 'invalid resourceVersionMatch: Sometimes',
    },
  ];

  const paths: Case[] = [
    ...['/version/', '/healthz/', '/livez/', '/readyz/'].map((p) => ({
      name: `${p} → 200`,
      path: p,
      code: 200,
    })),
    { name: '/api/ → APIVersions', path: '/api/', code: 200, kind: 'APIVersions' },
    { name: '/apis/ → APIGroupList', path: '/apis/', code: 200, kind: 'APIGroupList' },
    { name: '/api/v1/ → APIResourceList', path: '/api/v1/', code: 200, kind: 'APIResourceList' },
    { name: `${CM}/ → a list`, path: `${CM}/`, code: 200, kind: 'ConfigMapList' },
    {
      name: 'a malformed escape in the path → 400',
      path: '/api/v1/namespaces/%zz/configmaps',
      code: 400,
      reason: 'BadRequest',
      message: /^the request path is not valid/,
    },
    {
      name: 'an unknown path → 404 Status',
      path: '/api/v1/nothings',
      code: 404,
      reason: 'NotFound',
      message: 'the server could not find the requested resource',
    },
  ];

  for (const [group, cases] of [
    ['booleans', bools],
    ['integers', ints],
    ['resourceVersion', resourceVersions],
    ['paths', paths],
  ] as const) {
    describe(group, () => {
      for (const c of cases) {
        it(c.name, async () => {
          const res = await request(hub, c.method ?? 'GET', c.path, c.body, c.headers);
          assert.equal(res.status, c.code, res.body);
          if (c.code >= 400) {
            const st = res.json<Status>();
            assert.equal(st.kind, 'Status');
            assert.equal(st.apiVersion, 'v1');
            assert.equal(st.status, 'Failure');
            assert.equal(st.code, c.code);
            assert.equal(st.reason, c.reason);
            if (typeof c.message === 'string') assert.equal(st.message, c.message);
            else if (c.message) assert.match(st.message, c.message);
          } else if (c.kind === 'watch') {
            const first = JSON.parse(res.body.split('\n')[0]) as { type: string; object: { kind: string } };
            assert.equal(first.type, 'ADDED');
            assert.equal(first.object.kind, 'ConfigMap');
          } else if (c.kind) {
            assert.equal(res.json<{ kind: string }>().kind, c.kind);
          }
        });
      }
    });
  }

  it('the Python client (watch=True) watches', async () => {
    const res = await request(hub, 'GET', `${CM}?watch=True&timeoutSeconds=1&resourceVersion=0`);
    assert.equal(res.status, 200);
    assert.match(res.body, /^\{"type":"ADDED"/);
  });

  it('an expired resourceVersion with resourceVersionMatch=Exact → 410 Expired, not a continue message', async () => {
    const old = (await request(hub, 'GET', CM)).json<{ metadata: { resourceVersion: string } }>().metadata
      .resourceVersion;
    // Writes move the revision on; compaction (every second, keeping one) then passes `old`.
    await waitFor(
      'the old revision to be compacted',
      async () => {
        await request(hub, 'POST', CM, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { generateName: 'rv-' },
        });
        const res = await request(hub, 'GET', `${CM}?resourceVersion=${old}&resourceVersionMatch=Exact`);
        return res.status === 410 ? res : undefined;
      },
      30_000,
      300,
    ).then((res) => {
      const st = res.json<Status>();
      assert.equal(st.kind, 'Status');
      assert.equal(st.code, 410);
      assert.equal(st.reason, 'Expired');
      assert.equal(st.message, 'The resourceVersion for the provided list is too old.');
    });
  });

  it('timeoutSeconds=3000000 on a watch keeps it open (capped, no timer overflow)', async () => {
    const w = await openStream(hub, `${CM}?watch=true&timeoutSeconds=3000000`);
    try {
      assert.equal(w.status, 200);
      // The first event (ADDED params) proves the stream is live; it must still be open after.
      await waitFor('the first event', () => w.body().includes('"ADDED"'));
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(w.ended(), false, 'the watch ended early');
    } finally {
      w.close();
    }
    assert.doesNotMatch(hub.logs(), /TimeoutOverflowWarning/);
  });

  it('a watch with timeoutSeconds=1 ends after about a second', async () => {
    const t0 = Date.now();
    const res = await request(hub, 'GET', `${CM}?watch=true&timeoutSeconds=1`);
    assert.equal(res.status, 200);
    assert.ok(Date.now() - t0 >= 900, `${Date.now() - t0} ms`);
  });
});
