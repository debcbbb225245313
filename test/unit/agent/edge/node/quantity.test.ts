import assert from 'node:assert/strict';
import {
  divideCeil,
  memoryBytes,
  milliCpu,
  nanoCpus,
  parseQuantity,
} from '../../../../../agent/edge/node/quantity.js';

describe('edge node: quantities', () => {
  const memory: [string | number, number][] = [
    ['128Mi', 128 * 1024 * 1024],
    ['1Gi', 1024 ** 3],
    ['1Ki', 1024],
    ['1k', 1000],
    ['1M', 1_000_000],
    ['1G', 1e9],
    ['1e3', 1000],
    ['1E6', 1e6],
    ['0.5Gi', 512 * 1024 * 1024],
    ['1.5Mi', 1.5 * 1024 * 1024],
    ['100', 100],
    [256, 256],
    // Rounded up, like kube's Value().
    ['1500m', 2],
    ['1m', 1],
  ];
  for (const [q, want] of memory) it(`memory ${q} → ${want} bytes`, () => assert.equal(memoryBytes(q), want));

  const cpu: [string | number, number][] = [
    ['500m', 500],
    ['1', 1000],
    [2, 2000],
    ['0.1', 100],
    ['0.25', 250],
    ['1.5', 1500],
    ['100000u', 100],
    ['1u', 1],
    ['250000000n', 250],
  ];
  for (const [q, want] of cpu) it(`cpu ${q} → ${want}m`, () => assert.equal(milliCpu(q), want));

  it('nanoCpus is millicores × 1e6', () => {
    assert.equal(nanoCpus('500m'), 500_000_000);
    assert.equal(nanoCpus('2'), 2_000_000_000);
  });

  it('divideCeil rounds up (resourceFieldRef divisors)', () => {
    assert.equal(divideCeil(parseQuantity('128Mi'), parseQuantity('1Mi')), 128);
    assert.equal(divideCeil(parseQuantity('129M'), parseQuantity('1Mi')), 124);
    assert.equal(divideCeil(parseQuantity('500m'), parseQuantity('1')), 1);
    assert.equal(divideCeil(parseQuantity('500m'), parseQuantity('1m')), 500);
  });

  for (const bad of ['', 'abc', '1.2.3', '1Kb', 'Mi', '--1', '1 Mi'])
    it(`rejects ${JSON.stringify(bad)}`, () =>
      assert.throws(() => parseQuantity(bad), /quantities must match/));
});
