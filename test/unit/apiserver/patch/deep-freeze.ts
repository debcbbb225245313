/** Freezes a JSON value all the way down, so any mutation by the code under test throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** A JSON round trip: test tables stay independent even when they share fixtures. */
export function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
