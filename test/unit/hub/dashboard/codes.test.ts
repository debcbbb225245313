import assert from 'node:assert/strict';
import { OneTimeCodes } from '../../../../hub/dashboard/codes.js';
import { codeTtlFromEnv } from '../../../../hub/dashboard/routes.js';

describe('dashboard sign-in codes', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('a code gives its token once; the second try is refused as unknown', () => {
    const codes = new OneTimeCodes(60_000, clock);
    const { code } = codes.issue('tok-1');
    assert.deepEqual(codes.redeem(code), { token: 'tok-1' });
    assert.deepEqual(codes.redeem(code), { error: 'unknown' });
  });

  it('an expired code is refused as expired, and is gone afterwards', () => {
    const codes = new OneTimeCodes(60_000, clock);
    const { code, expiresAt } = codes.issue('tok-2');
    assert.equal(expiresAt.getTime(), now + 60_000);
    now += 60_000;
    assert.deepEqual(codes.redeem(code), { error: 'expired' });
    assert.deepEqual(codes.redeem(code), { error: 'unknown' });
  });

  it('a code just before expiry still works', () => {
    const codes = new OneTimeCodes(60_000, clock);
    const { code } = codes.issue('tok-3');
    now += 59_999;
    assert.deepEqual(codes.redeem(code), { token: 'tok-3' });
  });

  it('codes are random, unrelated to each other and never the token', () => {
    const codes = new OneTimeCodes(60_000, clock);
    const a = codes.issue('same').code;
    const b = codes.issue('same').code;
    assert.notEqual(a, b);
    assert.ok(a.length >= 32 && /^[A-Za-z0-9_-]+$/.test(a));
    assert.deepEqual(codes.redeem('not-a-code'), { error: 'unknown' });
  });

  it('expired entries are swept when new codes are issued, and the table is bounded', () => {
    const codes = new OneTimeCodes(1_000, clock, 3);
    for (let i = 0; i < 3; i++) codes.issue(`t${i}`);
    now += 1_000;
    codes.issue('fresh');
    assert.equal(codes.size, 1);
    const kept = [codes.issue('x1').code, codes.issue('x2').code, codes.issue('x3').code];
    assert.equal(codes.size, 3);
    assert.deepEqual(codes.redeem(kept[2]), { token: 'x3' });
  });
});

describe('dashboard code lifetime from EDGEFED_DASHBOARD_CODE_TTL', () => {
  const cases: [string | undefined, number][] = [
    [undefined, 120_000],
    ['1', 1_000],
    ['300', 300_000],
    ['0', 120_000],
    ['-5', 120_000],
    ['1.5', 120_000],
    ['abc', 120_000],
    ['9999999', 120_000],
  ];
  for (const [v, want] of cases) it(`${String(v)} → ${want} ms`, () => assert.equal(codeTtlFromEnv(v), want));
});
