/**
 * The name of the Work that carries one federated object to one cluster (Works live in the
 * cluster's own namespace, so the name only has to be unique per source object).
 */
import { createHash } from 'node:crypto';

export interface WorkNameSource {
  group: string;
  resource: string;
  namespace?: string;
  name: string;
}

/** Longest DNS-1123 subdomain. */
export const MAX_WORK_NAME_LENGTH = 253;
const HASH_LENGTH = 10;
const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);

export function isDns1123Subdomain(s: string): boolean {
  return s.length > 0 && s.length <= MAX_WORK_NAME_LENGTH && DNS1123_SUBDOMAIN.test(s);
}

/**
 * `<resource>.<group or "core">.<namespace>.<name>`, or `<resource>.<group or "core">.<name>` for
 * cluster-scoped sources: readable, and the namespace (a DNS label, no dots) keeps the namespaced form
 * unambiguous for a given type. Across types it is unambiguous unless two types share a plural and
 * one group is a dot-extension of the other (`widgets` in `example.com` and in `example.com.a`, or a
 * group literally named `core.<x>`): "widgets.example.com.a.b" could then be either. No such pair is
 * known; the controller must still check that an existing Work's spec.source is the object it means.
 *
 * When that string is not a valid DNS-1123 subdomain — longer than 253 characters, or a name some
 * kinds allow but DNS does not (ClusterRole "system:aggregate-to-admin", upper case) — it is
 * lower-cased, invalid characters become '-', it is cut to fit, and "-<10 hex digits of sha256>" of
 * the exact source tuple is appended, so distinct sources still get distinct names.
 */
export function workName(source: WorkNameSource): string {
  const group = source.group === '' ? 'core' : source.group;
  const parts = [source.resource, group];
  if (source.namespace) parts.push(source.namespace);
  parts.push(source.name);
  const plain = parts.join('.');
  if (isDns1123Subdomain(plain)) return plain;

  const hash = createHash('sha256')
    .update(JSON.stringify([source.group, source.resource, source.namespace ?? null, source.name]))
    .digest('hex')
    .slice(0, HASH_LENGTH);
  const sanitized = plain
    .toLowerCase()
    .split('.')
    .map((label) => label.replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, ''))
    .filter((label) => label !== '')
    .join('.');
  const room = MAX_WORK_NAME_LENGTH - HASH_LENGTH - 1;
  const head = sanitized.slice(0, room).replace(/[-.]+$/, '');
  return head === '' ? hash : `${head}-${hash}`;
}
