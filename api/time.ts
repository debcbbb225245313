/**
 * Times as the Kubernetes API writes them: metav1.Time is RFC 3339 at whole seconds
 * ("2026-12-07T10:00:00Z"), metav1.MicroTime has six fractional digits (Leases, events.k8s.io).
 * One definition for every part of edgefed that writes or reads them.
 */

/** metav1.Time: RFC 3339 truncated to whole seconds. */
export function rfc3339(t: Date | number): string {
  const ms = typeof t === 'number' ? t : t.getTime();
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** metav1.MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Parses RFC 3339 with any number of fractional digits (Date.parse is only sure about 3). */
export function parseTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  const t = m ? Date.parse(`${m[1]}.${(m[2] ?? '').padEnd(3, '0').slice(0, 3)}${m[3]}`) : Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}
