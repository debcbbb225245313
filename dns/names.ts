/** Domain-name helpers shared by the zone builder, the answerer and the exporters (pure). */

const MAX_NAME = 253;
const MAX_LABEL = 63;
/** What a label we serve may contain: letters, digits, hyphen, underscore (SRV, TXT owners), `*` alone. */
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;

/**
 * Lower-case, without the trailing dot, or undefined when the name is not one we can serve: empty
 * labels, over-long labels or names, characters outside LABEL, or `*` anywhere but leftmost.
 * Names we store are always in this form, so lookups compare strings.
 */
export function normalizeName(raw: string): string | undefined {
  let n = raw.trim().toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  if (n === '' || n.length > MAX_NAME) return undefined;
  const labels = n.split('.');
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l.length === 0 || l.length > MAX_LABEL) return undefined;
    if (l === '*' && i === 0) continue;
    if (!LABEL.test(l)) return undefined;
  }
  return n;
}

/** Whether `name` is `origin` or below it (both normalized). */
export function inZone(name: string, origin: string): boolean {
  return name === origin || (name.length > origin.length && name.endsWith(`.${origin}`));
}

/** The name one label up, or undefined for a single label. */
export function parentName(name: string): string | undefined {
  const i = name.indexOf('.');
  return i < 0 ? undefined : name.slice(i + 1);
}

/** `a.b.example.com` → `['com', 'example', 'b', 'a']` (the order skydns keys use). */
export function reversedLabels(name: string): string[] {
  return name.split('.').reverse();
}
