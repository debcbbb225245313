/**
 * Kubernetes resource quantities (`128Mi`, `500m`, `1`, `1e3`, `0.5`) as exact rationals: floats
 * would turn `0.1` CPU into 101 millicores once rounded up the way kube rounds.
 */

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** An exact value num/den (den > 0). */
export interface Rational {
  num: bigint;
  den: bigint;
}

export class QuantityError extends Error {
  override name = 'QuantityError';
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

export function parseQuantity(q: string | number): Rational {
  const s = typeof q === 'number' ? String(q) : q.trim();
  const m = QUANTITY.exec(s);
  if (!m)
    throw new QuantityError(
      `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': "${s}"`,
    );
  const [, sign, mantissa, exponent, suffix] = m;
  const [whole, frac = ''] = mantissa.split('.');
  let num = BigInt(`${whole || '0'}${frac}`);
  let den = pow10(frac.length);
  let exp10 = 0;
  if (exponent) exp10 = Number(exponent.slice(1));
  else if (suffix && suffix in BINARY) num *= BINARY[suffix];
  else exp10 = DECIMAL[suffix ?? ''];
  if (exp10 >= 0) num *= pow10(exp10);
  else den *= pow10(-exp10);
  if (sign === '-') num = -num;
  return { num, den };
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n === b > 0n ? q + 1n : q;
}

/** ceil(q / divisor), as kube rounds resourceFieldRef values. */
export function divideCeil(q: Rational, divisor: Rational): number {
  if (divisor.num === 0n) throw new QuantityError('divisor must not be zero');
  return Number(ceilDiv(q.num * divisor.den, q.den * divisor.num));
}

/** A memory quantity in bytes, rounded up. */
export function memoryBytes(q: string | number): number {
  return divideCeil(parseQuantity(q), { num: 1n, den: 1n });
}

/** A CPU quantity in millicores, rounded up (kube's MilliValue). */
export function milliCpu(q: string | number): number {
  return divideCeil(parseQuantity(q), { num: 1n, den: 1000n });
}

/** A CPU quantity as Docker's NanoCpus (1e-9 CPUs), at millicore precision like kube. */
export function nanoCpus(q: string | number): number {
  return milliCpu(q) * 1_000_000;
}
