/**
 * kube's pod-template-hash (controller.ComputeHash): FNV-32a of the pod template, then of the
 * collision count (8 bytes, little-endian) when the Deployment has one, printed in decimal and
 * mapped through rand.SafeEncodeString's alphabet (no vowels, no 0/1/3: no words, no look-alikes).
 *
 * kube feeds the hasher a go-spew dump of the Go struct; we feed it canonical JSON of the template,
 * so a hash has kube's format and stability but not the same value as a real cluster would compute.
 */
import type { PodTemplateSpec } from './types.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** rand.SafeEncodeString's alphabet (k8s.io/apimachinery/pkg/util/rand). */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

export function fnv32a(bytes: Uint8Array, hash = FNV32_OFFSET): number {
  let h = hash >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV32_PRIME) >>> 0;
  }
  return h;
}

/** rand.SafeEncodeString: each character → SAFE_ALPHABET[code % 27]. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHABET[(ch.codePointAt(0) ?? 0) % SAFE_ALPHABET.length];
  return out;
}

/**
 * A canonical form for hashing and comparing templates: keys sorted; null, empty lists and empty
 * maps dropped, because kube compares templates with Semantic.DeepEqual, for which a nil and an
 * empty map or slice are equal (and `creationTimestamp: null` from kubectl is noise).
 */
export function canonicalize(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(canonicalize).map((x) => (x === undefined ? null : x));
    return items.length === 0 ? undefined : items;
  }
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const c = canonicalize((v as Record<string, unknown>)[k]);
    if (c !== undefined) out[k] = c;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

export function canonicalJson(v: unknown): string {
  return JSON.stringify(canonicalize(v) ?? null);
}

export function podTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  return safeEncodeString(String(h));
}

/** The template without the pod-template-hash label (deploymentutil.EqualIgnoreHash's view). */
function withoutHashLabel(t: PodTemplateSpec | undefined): PodTemplateSpec | undefined {
  const labels = t?.metadata?.labels;
  if (!t || !labels || !(POD_TEMPLATE_HASH_LABEL in labels)) return t;
  const rest = { ...labels };
  delete rest[POD_TEMPLATE_HASH_LABEL];
  return { ...t, metadata: { ...t.metadata, labels: rest } };
}

/** deploymentutil.EqualIgnoreHash: same template once the pod-template-hash label is ignored. */
export function templatesEqualIgnoringHash(
  a: PodTemplateSpec | undefined,
  b: PodTemplateSpec | undefined,
): boolean {
  return canonicalJson(withoutHashLabel(a)) === canonicalJson(withoutHashLabel(b));
}
