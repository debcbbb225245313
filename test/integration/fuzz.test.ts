import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import yaml from 'js-yaml';
import { cleanup, request, startHub, type HubProcess } from '../helpers/hub.js';

/**
 * A bounded, seeded fuzz of the hub's API: mutated objects (JSON and YAML), truncated bodies,
 * wrong content types, bad paths, bad parameters, huge and deep values, random patches. Asserts no
 * 5xx, a kube Status for every error, /healthz within 1 s throughout and a bounded RSS.
 * EDGEFED_FUZZ_SEED and EDGEFED_FUZZ_COUNT override the defaults; a failure prints the seed and
 * the request, so it can be replayed.
 */
const SEED = Number(process.env.EDGEFED_FUZZ_SEED ?? 20261207);
const COUNT = Number(process.env.EDGEFED_FUZZ_COUNT ?? 2500);
const WORKERS = 6;
/** Growth of the hub's resident memory over the run that we accept. */
const RSS_GROWTH_LIMIT = 300 * 1024 * 1024;
const NS = 'fuzz';

/** mulberry32: small, seedable, good enough to pick mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface FuzzRequest {
  category: string;
  method: string;
  path: string;
  body?: string | Buffer;
  contentType?: string;
}

interface Answer {
  status: number;
  body: string;
  contentType: string;
  /** A stream (watch, follow) cut off by us after its headers. */
  streamed: boolean;
}

class Gen {
  constructor(readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  str(max = 12): string {
    const alphabets = [
      'abcdefghijklmnopqrstuvwxyz',
      'ABC-_.0123456789',
      '☃é\u0000\u001f"\\/\u2028😀ÿ%{}[]:,',
    ];
    let s = '';
    const n = this.int(max + 1);
    for (let i = 0; i < n; i++) {
      const a = this.pick(alphabets);
      s += [...a][this.int([...a].length)];
    }
    return s;
  }
  scalar(): Json {
    return this.pick<() => Json>([
      () => null,
      () => this.chance(0.5),
      () => this.int(1000) - 500,
      () => this.pick([1e308, -0, 2 ** 53 + 1, 0.5, -1]),
      () => this.str(),
      () => 'x'.repeat(this.int(5000)),
    ])();
  }
  value(depth = 0): Json {
    if (depth > 3 || this.chance(0.5)) return this.scalar();
    if (this.chance(0.5)) return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
    const o: Record<string, Json> = {};
    for (let i = this.int(4); i > 0; i--) o[this.str(8)] = this.value(depth + 1);
    return o;
  }
  deep(n: number, leaf: Json = 1): string {
    const open = this.chance(0.5) ? '[' : '{"a":';
    const close = open === '[' ? ']' : '}';
    return open.repeat(n) + JSON.stringify(leaf) + close.repeat(n);
  }
  /** One random structural change somewhere in `o`. */
  mutate(o: Json): Json {
    const copy = JSON.parse(JSON.stringify(o)) as Json;
    const containers: Json[] = [];
    const stack: Json[] = [copy];
    while (stack.length) {
      const c = stack.pop() as Json;
      if (c && typeof c === 'object') {
        containers.push(c);
        for (const v of Object.values(c)) stack.push(v);
      }
    }
    const target = this.pick(containers);
    if (Array.isArray(target)) {
      if (target.length && this.chance(0.5)) target[this.int(target.length)] = this.value();
      else target.push(this.value());
      return copy;
    }
    const obj = target as Record<string, Json>;
    const keys = Object.keys(obj);
    const op = this.int(5);
    if (op === 0 && keys.length) delete obj[this.pick(keys)];
    else if (op === 1 && keys.length) obj[this.pick(keys)] = this.value();
    else if (op === 2) obj[this.str(10)] = this.value();
    else if (op === 3 && keys.length) obj[this.pick(keys)] = this.scalar();
    else obj[this.pick(['metadata', 'spec', 'status', 'data', 'kind', 'apiVersion'])] = this.value();
    return copy;
  }
}

const TEMPLATES: { path: string; obj: Json }[] = [
  {
    path: `/api/v1/namespaces/${NS}/configmaps`,
    obj: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', labels: { a: 'b' } },
      data: { k: 'v' },
    },
  },
  {
    path: `/api/v1/namespaces/${NS}/secrets`,
    obj: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, type: 'Opaque', data: { k: 'dg==' } },
  },
  {
    path: `/apis/apps/v1/namespaces/${NS}/deployments`,
    obj: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'dep' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'x' } },
        template: {
          metadata: { labels: { app: 'x' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    },
  },
  {
    path: `/apis/types.kubefed.io/v1beta1/namespaces/${NS}/federateddeployments`,
    obj: {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedDeployment',
      metadata: { name: 'fd' },
      spec: { template: { spec: { replicas: 1 } }, placement: { clusters: [{ name: 'c1' }] } },
    },
  },
];

const PARAMS = [
  'watch',
  'allowWatchBookmarks',
  'sendInitialEvents',
  'limit',
  'timeoutSeconds',
  'resourceVersion',
  'resourceVersionMatch',
  'continue',
  'labelSelector',
  'fieldSelector',
  'fieldValidation',
  'fieldManager',
  'dryRun',
  'force',
  'pretty',
  'gracePeriodSeconds',
  'propagationPolicy',
  'orphanDependents',
];

function paramValue(g: Gen): string {
  return g.pick([
    () => g.pick(['true', 'True', '1', 'yes', '', 'false', '0', 'F', 'null']),
    () => String(g.int(100000) - 50000),
    () => g.pick(['99999999999999999999999', '1.5', '0x10', '-0', '1e9']),
    () => g.str(30),
    () => g.pick(['Strict', 'Warn', 'Ignore', 'All', 'Exact', 'NotOlderThan', 'Orphan']),
    () => g.pick(['a=b', 'a in (b,c)', '!a', 'a notin (', 'metadata.name=x', 'spec.x==1', '=', ',,']),
    () => 'x'.repeat(g.int(20000)),
  ])();
}

function query(g: Gen, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`${g.pick(PARAMS)}=${encodeURIComponent(paramValue(g))}`);
  // Anything that may turn into a watch or a stream ends soon.
  parts.push('timeoutSeconds=1');
  return parts.join('&');
}

function named(t: { path: string; obj: Json }, g: Gen): string {
  const name = ((t.obj as { metadata: { name: string } }).metadata.name as string) + String(g.int(5));
  return `${t.path}/${name}`;
}

/** The next request of a category. */
const CATEGORIES: Record<string, (g: Gen) => FuzzRequest> = {
  'json-mutation': (g) => {
    const t = g.pick(TEMPLATES);
    let obj = t.obj;
    for (let i = 1 + g.int(3); i > 0; i--) obj = g.mutate(obj);
    const method = g.pick(['POST', 'PUT', 'PATCH']);
    return {
      category: 'json-mutation',
      method,
      path:
        (method === 'POST' ? t.path : named(t, g)) +
        `?fieldValidation=${g.pick(['Strict', 'Warn', 'Ignore'])}`,
      body: JSON.stringify(obj),
      contentType:
        method === 'PATCH'
          ? g.pick(['application/merge-patch+json', 'application/strategic-merge-patch+json'])
          : 'application/json',
    };
  },
  'json-text': (g) => {
    // Textual damage: duplicated keys, stray characters, swapped brackets.
    const t = g.pick(TEMPLATES);
    let s = JSON.stringify(t.obj);
    const op = g.int(4);
    if (op === 0)
      s = s
        .replace('"metadata":{', `"metadata":{"${g.str(5)}":1,"${g.str(5)}":2,`)
        .replace('{"', '{"kind":"x","');
    else if (op === 1) {
      const i = g.int(s.length);
      s = s.slice(0, i) + g.pick(['{', '}', '[', ']', ',', '"', '\\', ':', '\u0000', '☃']) + s.slice(i);
    } else if (op === 2) s = s.replace(/\{/g, () => (g.chance(0.1) ? '[' : '{'));
    else s = s.replace('"data":', '"data":{"a":"1"},"data":');
    return {
      category: 'json-text',
      method: 'POST',
      path: `${t.path}?fieldValidation=Strict`,
      body: s,
      contentType: 'application/json',
    };
  },
  'yaml-mutation': (g) => {
    const t = g.pick(TEMPLATES);
    let text = yaml.dump(g.mutate(t.obj), { noRefs: true });
    const op = g.int(4);
    if (op === 0)
      text =
        `x: &x ${g.str(5) || 'v'}\n` +
        text +
        `y: [${Array.from({ length: g.int(50) }, () => '*x').join(',')}]\n`;
    else if (op === 1)
      text = text.replace(/^/m, g.pick(['!!binary ', '!!js/function ', '%YAML 1.1\n---\n', '--- ', '? ']));
    else if (op === 2) text = text + '---\n' + text;
    else text = text.replace(/: /, ': &a ').replace(/\n(\w+): /, '\n$1: *a\nz: ');
    const apply = g.chance(0.3);
    return {
      category: 'yaml-mutation',
      method: apply ? 'PATCH' : 'POST',
      path: apply ? `${named(t, g)}?fieldManager=fuzz&force=${g.pick(['true', 'false'])}` : t.path,
      body: text,
      contentType: apply
        ? 'application/apply-patch+yaml'
        : g.pick(['application/yaml', 'application/x-yaml']),
    };
  },
  truncated: (g) => {
    const t = g.pick(TEMPLATES);
    const s = g.chance(0.5) ? JSON.stringify(t.obj) : yaml.dump(t.obj);
    return {
      category: 'truncated',
      method: 'POST',
      path: t.path,
      body: s.slice(0, g.int(s.length)),
      contentType: s.startsWith('{') ? 'application/json' : 'application/yaml',
    };
  },
  'content-type': (g) => {
    const t = g.pick(TEMPLATES);
    const ct = g.pick([
      'text/plain',
      'application/xml',
      'application/vnd.kubernetes.protobuf',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/json-patch+json',
      '',
      'a/b/c',
    ]);
    const body = g.chance(0.5)
      ? JSON.stringify(t.obj)
      : Buffer.from(Array.from({ length: g.int(200) }, () => g.int(256)));
    return {
      category: 'content-type',
      method: g.pick(['POST', 'PUT', 'PATCH']),
      path: g.chance(0.5) ? t.path : named(t, g),
      body,
      contentType: ct,
    };
  },
  'bad-path': (g) => {
    const seg = () =>
      g.pick([
        'api',
        'apis',
        'v1',
        'namespaces',
        NS,
        'configmaps',
        'status',
        'scale',
        'watch',
        'log',
        '..',
        '.',
        '%2F',
        '%zz',
        '%00',
        '☃',
        'x'.repeat(g.int(300)),
        '',
        'apps',
        'v9',
      ]);
    const n = 1 + g.int(8);
    const path =
      '/' +
      Array.from({ length: n }, seg)
        .map((s) => (s === '☃' ? encodeURIComponent(s) : s))
        .join('/');
    return {
      category: 'bad-path',
      method: g.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']),
      path: `${path}?timeoutSeconds=1`,
      body: g.chance(0.3) ? '{}' : undefined,
      contentType: 'application/json',
    };
  },
  'bad-params': (g) => {
    const t = g.pick(TEMPLATES);
    const method = g.pick(['GET', 'GET', 'GET', 'DELETE', 'POST']);
    return {
      category: 'bad-params',
      method,
      path: `${g.chance(0.5) ? t.path : named(t, g)}?${query(g, 1 + g.int(4))}`,
      body: method === 'POST' ? JSON.stringify(t.obj) : undefined,
      contentType: 'application/json',
    };
  },
  'huge-deep': (g) => {
    const t = g.pick(TEMPLATES);
    const op = g.int(4);
    let body: string;
    if (op === 0) body = g.deep(50 + g.int(20000));
    else if (op === 1)
      body = JSON.stringify({
        ...(t.obj as object),
        metadata: { name: 'big', annotations: { a: 'x'.repeat(g.pick([1000, 300_000, 3_200_000])) } },
      });
    else if (op === 2) {
      const keys: Record<string, number> = {};
      for (let i = 0; i < 1000 + g.int(10000); i++) keys[`k${i}`] = i;
      body = JSON.stringify({ ...(t.obj as object), data: keys });
    } else body = `a: ${'['.repeat(50 + g.int(500))}1${']'.repeat(50 + g.int(500))}\n`;
    return {
      category: 'huge-deep',
      method: 'POST',
      path: t.path,
      body,
      contentType: op === 3 ? 'application/yaml' : 'application/json',
    };
  },
  'json-patch': (g) => {
    const t = g.pick(TEMPLATES);
    const ops = Array.from({ length: 1 + g.int(4) }, () => ({
      op: g.pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'frobnicate']),
      path: g.pick([
        '/metadata/labels/a',
        '/spec',
        '/data/k',
        '',
        '/',
        '/metadata/name',
        '/x/y/z',
        '/data/-',
        '/spec/template/spec/containers/0',
        `/${g.str(5)}`,
      ]),
      from: g.pick(['/metadata', '/data', '/nope', undefined]),
      value: g.value(),
    }));
    return {
      category: 'json-patch',
      method: 'PATCH',
      path: named(t, g),
      body: JSON.stringify(g.chance(0.9) ? ops : ops[0]),
      contentType: 'application/json-patch+json',
    };
  },
};

// A connection per request: an answer is attributable to its own request only.
const agent = new Agent({ keepAlive: false, maxSockets: WORKERS + 2 });
// The health poller keeps its connection, as probes and clients do: its latency is the event loop's.
const healthAgent = new Agent({ keepAlive: true, maxSockets: 1 });

function send(hub: HubProcess, req: FuzzRequest, via = agent): Promise<Answer> {
  const u = new URL(hub.url);
  const payload =
    req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
  return new Promise((resolve, reject) => {
    const r = httpsRequest(
      {
        agent: via,
        method: req.method,
        hostname: u.hostname,
        port: u.port,
        path: req.path,
        ca: hub.tls.ca,
        cert: hub.tls.cert,
        key: hub.tls.key,
        headers: {
          ...(req.contentType !== undefined ? { 'content-type': req.contentType } : {}),
          ...(payload ? { 'content-length': String(payload.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let streamed = false;
        // Watches and streams: their headers are the answer; we do not wait for them to end.
        const cut = setTimeout(() => {
          streamed = true;
          r.destroy();
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            contentType: String(res.headers['content-type']),
            streamed,
          });
        }, 3000);
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          clearTimeout(cut);
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            contentType: String(res.headers['content-type']),
            streamed,
          });
        });
        res.on('error', () => undefined);
      },
    );
    r.on('error', (e) => reject(e));
    if (payload) r.write(payload);
    r.end();
  });
}

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function describeReq(req: FuzzRequest): string {
  const body = req.body === undefined ? '' : String(req.body).slice(0, 200);
  return `${req.category} ${req.method} ${req.path.slice(0, 200)} [${req.contentType}] ${body}`;
}

describe(`fuzz: mutated requests against a real hub (seed ${SEED}, ${COUNT} requests)`, function () {
  this.timeout(150_000);
  let hub: HubProcess;
  before(async () => {
    console.log(`      fuzz seed ${SEED} (EDGEFED_FUZZ_SEED to replay), ${COUNT} requests`);
    hub = await startHub();
    const ns = await request(hub, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS },
    });
    assert.equal(ns.status, 201, ns.body);
    for (const t of TEMPLATES)
      for (let i = 0; i < 5; i++) {
        const o = JSON.parse(JSON.stringify(t.obj)) as { metadata: { name: string } };
        o.metadata.name += String(i);
        const res = await request(hub, 'POST', t.path, o);
        assert.equal(res.status, 201, `${t.path}: ${res.body}`);
      }
  });
  after(async () => {
    agent.destroy();
    healthAgent.destroy();
    await hub.stop();
    cleanup(hub.dataDir);
  });

  it('no 5xx, every error a Status, /healthz within 1 s throughout, RSS bounded', async () => {
    const g = new Gen(rng(SEED));
    const names = Object.keys(CATEGORIES);
    // Generated up front from the seed, so the sequence does not depend on answer timing.
    const requests = Array.from({ length: COUNT }, () => CATEGORIES[g.pick(names)](g));
    const pid = hub.proc.pid as number;
    const rssStart = rss(pid);
    let rssMax = rssStart;
    const healthTimes: number[] = [];
    let done = false;
    const health = (async () => {
      while (!done) {
        const t0 = Date.now();
        const res = await send(hub, { category: 'health', method: 'GET', path: '/healthz' }, healthAgent);
        healthTimes.push(Date.now() - t0);
        assert.equal(res.status, 200);
        rssMax = Math.max(rssMax, rss(pid));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const failures: string[] = [];
    const sent: Record<string, number> = {};
    const codes: Record<string, number> = {};
    let next = 0;
    const t0 = Date.now();
    const worker = async () => {
      while (next < requests.length) {
        const req = requests[next++];
        sent[req.category] = (sent[req.category] ?? 0) + 1;
        let a: Answer;
        try {
          a = await send(hub, req);
        } catch (e) {
          failures.push(`no answer (${(e as Error).message}): ${describeReq(req)}`);
          continue;
        }
        codes[a.status] = (codes[a.status] ?? 0) + 1;
        if (a.status >= 500) failures.push(`${a.status} ${a.body.slice(0, 300)} <- ${describeReq(req)}`);
        else if (a.status >= 400 && req.method !== 'HEAD') {
          let st: { kind?: string; apiVersion?: string; code?: number; reason?: string } | undefined;
          try {
            st = JSON.parse(a.body) as typeof st;
          } catch {
            st = undefined;
          }
          if (st?.kind !== 'Status' || st.apiVersion !== 'v1' || st.code !== a.status || !st.reason)
            failures.push(
              `${a.status} without a Status body: ${a.body.slice(0, 200)} <- ${describeReq(req)}`,
            );
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    const elapsed = Date.now() - t0;
    done = true;
    await health;
    rssMax = Math.max(rssMax, rss(pid));
    const maxHealth = Math.max(...healthTimes);
    console.log(`      sent per category: ${JSON.stringify(sent)}`);
    console.log(`      answers by status: ${JSON.stringify(codes)}`);
    console.log(
      `      ${requests.length} requests in ${elapsed} ms; /healthz max ${maxHealth} ms over ${healthTimes.length} polls; RSS ${Math.round(rssStart / 1048576)} → max ${Math.round(rssMax / 1048576)} MiB (bound: +${RSS_GROWTH_LIMIT / 1048576} MiB)`,
    );
    assert.deepEqual(failures.slice(0, 20), [], `seed ${SEED}: ${failures.length} failures`);
    assert.ok(maxHealth < 1000, `/healthz took ${maxHealth} ms`);
    assert.ok(
      rssMax - rssStart < RSS_GROWTH_LIMIT,
      `RSS grew by ${Math.round((rssMax - rssStart) / 1048576)} MiB`,
    );
    // The hub still works: a plain list answers.
    const after = await request(hub, 'GET', `/api/v1/namespaces/${NS}/configmaps`);
    assert.equal(after.status, 200);
  });
});
