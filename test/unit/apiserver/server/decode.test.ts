import assert from 'node:assert/strict';
import { ApiError } from '../../../../apiserver/errors.js';
import {
  DEFAULT_LIMITS,
  decodeText,
  reportDuplicates,
  type DecodeLimits,
} from '../../../../apiserver/server/decode.js';

function rejects(fn: () => unknown, code: number, reason: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.reason, reason);
    assert.match(e.message, message);
    return true;
  });
}

/** A "billion laughs": `levels` anchors, each a list of `fan` aliases of the one before. */
export function laughs(levels: number, fan: number): string {
  const name = (i: number) => String.fromCharCode(97 + i);
  const lines = ['a: &a lol'];
  for (let i = 1; i <= levels; i++)
    lines.push(`${name(i)}: &${name(i)} [${Array.from({ length: fan }, () => `*${name(i - 1)}`).join(',')}]`);
  return lines.join('\n') + '\n';
}

describe('apiserver/server/decode: bounded JSON and YAML decoding', () => {
  it('the 380-byte billion laughs is refused at once: it would expand past the body limit', () => {
    const doc = laughs(9, 9);
    assert.ok(doc.length < 400, `${doc.length}`);
    const t0 = Date.now();
    rejects(() => decodeText(doc, 'yaml'), 413, 'RequestEntityTooLarge', /YAML aliases expand it past/);
    assert.ok(Date.now() - t0 < 500, 'bounded work');
  });

  describe('alias count: limit passes, limit+1 fails', () => {
    const limits: DecodeLimits = { ...DEFAULT_LIMITS, maxYamlAliases: 10 };
    const doc = (n: number) =>
      `base: &b {x: 1}\nuses: [${Array.from({ length: n }, () => '*b').join(', ')}]\n`;
    it('10 aliases of a mapping pass', () => {
      const v = decodeText(doc(10), 'yaml', limits).value as { uses: unknown[] };
      assert.equal(v.uses.length, 10);
    });
    it('11 are refused', () => {
      rejects(() => decodeText(doc(11), 'yaml', limits), 400, 'BadRequest', /excessive aliasing/);
    });
    it('the default limit is 1000', () => {
      assert.doesNotThrow(() => decodeText(doc(1000), 'yaml'));
      rejects(() => decodeText(doc(1001), 'yaml'), 400, 'BadRequest', /excessive aliasing/);
    });
  });

  describe('expanded size: limit passes, limit+1 fails (413)', () => {
    // {"s":"xxxx…","t":["xxxx…"]}: the second use of the string is an alias of a scalar.
    const doc = (len: number) => `s: &s ${'x'.repeat(len)}\nt: [*s]\n`;
    const size = (len: number) => JSON.stringify({ s: 'x'.repeat(len), t: ['x'.repeat(len)] }).length;
    const limits: DecodeLimits = { ...DEFAULT_LIMITS, maxYamlBytes: size(1000) };
    it('exactly the limit passes', () => {
      assert.doesNotThrow(() => decodeText(doc(1000), 'yaml', limits));
    });
    it('one byte more is refused', () => {
      rejects(() => decodeText(doc(1001), 'yaml', limits), 413, 'RequestEntityTooLarge', /expand it past/);
    });
    it('few aliases of a big string still count every expansion', () => {
      const big = `s: &s ${'x'.repeat(1024 * 1024)}\nt: [*s, *s, *s]\n`;
      rejects(() => decodeText(big, 'yaml'), 413, 'RequestEntityTooLarge', /expand it past 3145728 bytes/);
    });
  });

  describe('depth: limit passes, limit+1 fails', () => {
    const json = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const yamlFlow = (n: number) => '['.repeat(n) + ']'.repeat(n) + '\n';
    const obj = (s: string) => `{"a":${s}}`;
    it('JSON at 100 levels passes, 101 is refused', () => {
      assert.doesNotThrow(() => decodeText(obj(json(99)), 'json'));
      rejects(() => decodeText(obj(json(100)), 'json'), 400, 'BadRequest', /exceeded max depth/);
    });
    it('JSON 5,000 and 1,000,000 deep: 400, not a stack overflow', () => {
      rejects(() => decodeText(obj(json(5000)), 'json'), 400, 'BadRequest', /exceeded max depth/);
      rejects(() => decodeText(json(1_000_000), 'json'), 400, 'BadRequest', /exceeded max depth/);
    });
    it('YAML at 100 levels passes, 101 is refused', () => {
      assert.doesNotThrow(() => decodeText(`a: ${yamlFlow(99)}`, 'yaml'));
      rejects(() => decodeText(`a: ${yamlFlow(100)}`, 'yaml'), 400, 'BadRequest', /exceeded max depth/);
    });
    it('aliases cannot stack depth past the limit', () => {
      const limits: DecodeLimits = { ...DEFAULT_LIMITS, maxDepth: 10 };
      const deep = `a: &a [[[[[[1]]]]]]\nb: [[[[*a]]]]\n`; // 1 + 4 + 6 = 11 levels once expanded
      rejects(() => decodeText(deep, 'yaml', limits), 400, 'BadRequest', /exceeded max depth.*aliases/);
      assert.doesNotThrow(() => decodeText(`a: &a [[[[[[1]]]]]]\nb: [[[*a]]]\n`, 'yaml', limits));
    });
  });

  it('an anchor that contains itself is refused', () => {
    rejects(() => decodeText('a: &a {b: *a}\n', 'yaml'), 400, 'BadRequest', /contains an alias to itself/);
  });

  it('syntax errors are 400 with the parser message', () => {
    rejects(() => decodeText('{"a":', 'json'), 400, 'BadRequest', /could not be decoded/);
    rejects(() => decodeText('a: [1', 'yaml'), 400, 'BadRequest', /could not be decoded/);
  });

  describe('duplicate fields, by fieldValidation', () => {
    it('Strict: 400 strict decoding error naming the field', () => {
      rejects(
        () => reportDuplicates(['metadata.x'], 'Strict', []),
        400,
        'BadRequest',
        /^strict decoding error: duplicate field "metadata\.x"$/,
      );
    });
    it('Warn: a warning each; Ignore: nothing', () => {
      const w: string[] = [];
      reportDuplicates(['a', 'b.c'], 'Warn', w);
      assert.deepEqual(w, ['duplicate field "a"', 'duplicate field "b.c"']);
      const none: string[] = [];
      reportDuplicates(['a'], 'Ignore', none);
      assert.deepEqual(none, []);
    });
    it('JSON decoding finds them; the last value wins, as in Go', () => {
      const d = decodeText('{"a":1,"a":2}', 'json');
      assert.deepEqual(d.duplicates, ['a']);
      assert.deepEqual(d.value, { a: 2 });
    });
  });
});
