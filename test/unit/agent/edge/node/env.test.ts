import assert from 'node:assert/strict';
import {
  expand,
  referencedObjects,
  resolveEnv,
  type EnvContext,
} from '../../../../../agent/edge/node/env.js';
import type { ConfigMap, Container, Secret } from '../../../../../api/core.js';
import { container, pod, UID } from './fixtures.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function ctx(over: Partial<EnvContext> = {}): EnvContext {
  const cms = new Map<string, ConfigMap>([
    [
      'cfg',
      { metadata: { name: 'cfg' }, data: { mode: 'fast', level: '3' }, binaryData: { bin: b64('raw') } },
    ],
  ]);
  const secrets = new Map<string, Secret>([
    ['creds', { metadata: { name: 'creds' }, data: { password: b64('s3cret') } }],
  ]);
  return {
    pod: pod({
      serviceAccountName: 'sa',
      containers: [container('app', { resources: { limits: { cpu: '500m', memory: '128Mi' } } })],
    }),
    podIP: '10.88.0.5',
    hostIP: '192.168.1.10',
    allocatable: { cpu: '4', memory: '8Gi' },
    configMaps: cms,
    secrets,
    ...over,
  };
}

function env(c: Partial<Container>, over: Partial<EnvContext> = {}) {
  return resolveEnv({ name: 'app', image: 'x:1', ...c }, ctx(over));
}

describe('edge node: env resolution', () => {
  it('expands $(VAR) as kube does', () => {
    const vars = new Map([
      ['A', 'x'],
      ['B', 'y'],
    ]);
    const lookup = (n: string): string | undefined => vars.get(n);
    const table: [string, string][] = [
      ['$(A)', 'x'],
      ['$(A)-$(B)', 'x-y'],
      ['$(C)', '$(C)'],
      ['$$(A)', '$(A)'],
      ['$$', '$'],
      ['$A', '$A'],
      ['$(A', '$(A'],
      ['a$', 'a$'],
      ['plain', 'plain'],
    ];
    for (const [input, want] of table) assert.equal(expand(input, lookup), want, input);
  });

  const cases: { name: string; c: Partial<Container>; want: Record<string, string> }[] = [
    { name: 'plain values', c: { env: [{ name: 'A', value: '1' }] }, want: { A: '1' } },
    {
      name: 'references to earlier variables',
      c: {
        env: [
          { name: 'A', value: 'a' },
          { name: 'B', value: '$(A)-b-$(LATER)' },
          { name: 'LATER', value: 'l' },
        ],
      },
      want: { A: 'a', B: 'a-b-$(LATER)', LATER: 'l' },
    },
    {
      name: 'fieldRef',
      c: {
        env: [
          { name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'U', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
          { name: 'PIP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'HIP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
          { name: 'L', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'AN', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['a']" } } },
        ],
      },
      want: {
        N: 'web',
        NS: 'default',
        U: UID,
        NODE: 'edge1',
        SA: 'sa',
        PIP: '10.88.0.5',
        HIP: '192.168.1.10',
        L: 'web',
        AN: 'b',
      },
    },
    {
      name: 'resourceFieldRef with divisors and the node as default limit',
      c: {
        resources: { limits: { cpu: '500m', memory: '128Mi' } },
        env: [
          { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
          { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
          { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          { name: 'REQ', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Mi' } } },
        ],
      },
      want: { CPU: '1', CPU_M: '500', MEM_MI: '128', REQ: '128' },
    },
    {
      name: 'configMapKeyRef and secretKeyRef',
      c: {
        env: [
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
          { name: 'BIN', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'bin' } } },
          { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
          { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'missing', key: 'x', optional: true } } },
          { name: 'OPTKEY', valueFrom: { secretKeyRef: { name: 'creds', key: 'nope', optional: true } } },
        ],
      },
      want: { MODE: 'fast', BIN: 'raw', PW: 's3cret' },
    },
    {
      name: 'envFrom with prefix; env overrides it',
      c: {
        envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'creds' } }],
        env: [{ name: 'CFG_mode', value: 'slow' }],
      },
      want: { CFG_mode: 'slow', CFG_level: '3', password: 's3cret' },
    },
    {
      name: 'optional envFrom that does not exist',
      c: { envFrom: [{ configMapRef: { name: 'missing', optional: true } }] },
      want: {},
    },
  ];
  for (const t of cases)
    it(t.name, () => {
      const r = env(t.c);
      assert.ok(r.ok, r.ok ? '' : r.message);
      assert.deepEqual(Object.fromEntries(r.value.map((e) => [e.name, e.value])), t.want);
    });

  const errors: { name: string; c: Partial<Container>; message: string }[] = [
    {
      name: 'missing ConfigMap',
      c: { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'x', key: 'k' } } }] },
      message: 'configmap "x" not found',
    },
    {
      name: 'missing ConfigMap key',
      c: { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] },
      message: "couldn't find key k in ConfigMap default/cfg",
    },
    {
      name: 'missing Secret',
      c: { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] },
      message: 'secret "s" not found',
    },
    {
      name: 'missing Secret key',
      c: { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] },
      message: "couldn't find key k in Secret default/creds",
    },
    {
      name: 'missing envFrom ConfigMap',
      c: { envFrom: [{ configMapRef: { name: 'gone' } }] },
      message: 'configmap "gone" not found',
    },
    {
      name: 'unsupported fieldPath',
      c: { env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] },
      message: 'unsupported fieldPath: spec.bogus',
    },
  ];
  for (const t of errors)
    it(`error: ${t.name}`, () => {
      assert.deepEqual(env(t.c), { ok: false, message: t.message });
    });

  it('lists the ConfigMaps and Secrets a pod needs', () => {
    const p = pod({
      containers: [
        container('a', {
          env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'c1', key: 'k' } } }],
          envFrom: [{ secretRef: { name: 's1' } }],
        }),
      ],
      initContainers: [container('i', { envFrom: [{ configMapRef: { name: 'c2' } }] })],
      volumes: [
        { name: 'v1', configMap: { name: 'c3' } },
        { name: 'v2', secret: { secretName: 's2' } },
        { name: 'v3', projected: { sources: [{ configMap: { name: 'c4' } }, { secret: { name: 's3' } }] } },
      ],
    });
    const r = referencedObjects(p);
    assert.deepEqual([...r.configMaps].sort(), ['c1', 'c2', 'c3', 'c4']);
    assert.deepEqual([...r.secrets].sort(), ['s1', 's2', 's3']);
  });
});
