import assert from 'node:assert/strict';
import { validateHeaderValue } from 'node:http';
import { MAX_WARNINGS_BYTES, warningHeader } from '../../../../apiserver/server/warning-header.js';

describe('apiserver/server/warning-header: Warning values that can always be sent', () => {
  const cases: [string, string[], string | undefined][] = [
    ['none', [], undefined],
    ['kube format', ['unknown field "spec.x"'], '299 - "unknown field \\"spec.x\\""'],
    ['several, deduplicated', ['a', 'b', 'a'], '299 - "a", 299 - "b"'],
    ['non-Latin-1 escaped', ['unknown field "x\u2603"'], '299 - "unknown field \\"x\\\\u2603\\""'],
    ['Latin-1 escaped too', ['caf\u00e9'], '299 - "caf\\\\u00e9"'],
    ['control characters escaped', ['a\r\nb\u0000'], '299 - "a\\\\u000d\\\\u000ab\\\\u0000"'],
    ['outside the BMP as a UTF-16 pair', ['\u{1F600}'], '299 - "\\\\ud83d\\\\ude00"'],
    ['backslash escaped', ['a\\b'], '299 - "a\\\\b"'],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => {
      const h = warningHeader(input);
      assert.equal(h, want);
      if (h) assert.doesNotThrow(() => validateHeaderValue('Warning', h));
    });
  }

  it('stops adding warnings past 4 KiB', () => {
    const many = Array.from({ length: 200 }, (_, i) => `unknown field "spec.field${i}"`);
    const h = warningHeader(many) ?? '';
    assert.ok(h.length <= MAX_WARNINGS_BYTES, String(h.length));
    assert.match(h, /spec\.field0\\"/);
  });
});
