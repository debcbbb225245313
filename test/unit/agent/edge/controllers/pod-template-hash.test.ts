import assert from 'node:assert/strict';
import {
  canonicalJson,
  fnv32a,
  podTemplateHash,
  safeEncodeString,
  templatesEqualIgnoringHash,
} from '../../../../../agent/edge/controllers/pod-template-hash.js';
import type { PodTemplateSpec } from '../../../../../agent/edge/controllers/types.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const template = (image: string, extra: Partial<PodTemplateSpec> = {}): PodTemplateSpec => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'main', image }] },
  ...extra,
});

describe('fnv32a', () => {
  // The reference vectors of the FNV specification.
  for (const [input, want] of [
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ] as const) {
    it(`${JSON.stringify(input)} → 0x${want.toString(16)}`, () => assert.equal(fnv32a(bytes(input)), want));
  }
  it('continues from a previous hash (as Go hash.Hash32 Write does)', () => {
    assert.equal(fnv32a(bytes('bar'), fnv32a(bytes('foo'))), fnv32a(bytes('foobar')));
  });
});

describe('safeEncodeString (rand.SafeEncodeString)', () => {
  const cases: [string, string][] = [
    ['0123456789', '456789bcdf'],
    ['', ''],
    ['a', 'v'],
  ];
  for (const [input, want] of cases)
    it(`${JSON.stringify(input)} → ${want}`, () => assert.equal(safeEncodeString(input), want));
});

describe('podTemplateHash', () => {
  it('is the decimal FNV-32a of the canonical template, safe-encoded', () => {
    const t = template('nginx:1.25');
    assert.equal(podTemplateHash(t), safeEncodeString(String(fnv32a(bytes(canonicalJson(t))))));
  });

  it('has kube’s format: 1–10 characters of the safe alphabet (digits map into 4-9,b-d,f)', () => {
    for (const image of ['a', 'b', 'nginx:1.25', 'nginx:1.26', 'busybox']) {
      assert.match(podTemplateHash(template(image)), /^[456789bcdf]{1,10}$/);
    }
  });

  const same: [string, PodTemplateSpec | undefined, PodTemplateSpec | undefined][] = [
    [
      'key order',
      { spec: { containers: [{ name: 'm', image: 'x' }] }, metadata: { labels: { a: '1', b: '2' } } },
      { metadata: { labels: { b: '2', a: '1' } }, spec: { containers: [{ image: 'x', name: 'm' }] } },
    ],
    [
      'empty maps and lists = absent',
      template('x'),
      {
        ...template('x'),
        metadata: { labels: { app: 'web' }, annotations: {} },
        spec: { containers: [{ name: 'main', image: 'x', env: [] }] },
      },
    ],
    [
      'creationTimestamp: null',
      template('x'),
      { ...template('x'), metadata: { labels: { app: 'web' }, creationTimestamp: null } },
    ],
  ];
  for (const [name, a, b] of same)
    it(`is stable: ${name}`, () => assert.equal(podTemplateHash(a), podTemplateHash(b)));

  it('changes with the template', () =>
    assert.notEqual(podTemplateHash(template('a')), podTemplateHash(template('b'))));

  it('changes with the collision count; 0 is not the same as none (kube hashes 8 bytes for a set count)', () => {
    const t = template('x');
    const hashes = new Set([
      podTemplateHash(t),
      podTemplateHash(t, 0),
      podTemplateHash(t, 1),
      podTemplateHash(t, 2),
    ]);
    assert.equal(hashes.size, 4);
    assert.equal(podTemplateHash(t, 1), podTemplateHash(t, 1));
  });
});

describe('templatesEqualIgnoringHash (deploymentutil.EqualIgnoreHash)', () => {
  const withHash = (t: PodTemplateSpec, h: string): PodTemplateSpec => ({
    ...t,
    metadata: { ...t.metadata, labels: { ...t.metadata?.labels, 'pod-template-hash': h } },
  });
  const cases: [string, PodTemplateSpec | undefined, PodTemplateSpec | undefined, boolean][] = [
    ['RS template (with hash) vs Deployment template', withHash(template('x'), 'abc'), template('x'), true],
    ['different hashes, same template', withHash(template('x'), 'abc'), withHash(template('x'), 'def'), true],
    ['different image', withHash(template('x'), 'abc'), template('y'), false],
    ['a different label', template('x'), { ...template('x'), metadata: { labels: { app: 'other' } } }, false],
    ['both absent', undefined, undefined, true],
  ];
  for (const [name, a, b, want] of cases)
    it(name, () => assert.equal(templatesEqualIgnoringHash(a, b), want));
});
