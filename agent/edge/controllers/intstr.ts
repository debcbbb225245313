/** intstr.GetScaledValueFromIntOrPercent: an int, or "N%" of total rounded up or down. */
import type { IntOrString } from './types.js';

export class InvalidIntOrPercentError extends Error {
  override name = 'InvalidIntOrPercentError';
}

export function scaledValueFromIntOrPercent(value: IntOrString, total: number, roundUp: boolean): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value))
      throw new InvalidIntOrPercentError(`invalid value ${value}: not an integer`);
    return value;
  }
  const m = /^(-?\d+)%$/.exec(value);
  if (!m) throw new InvalidIntOrPercentError(`invalid value for IntOrString: ${JSON.stringify(value)}`);
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
