/**
 * Agent admission: the checks on an agent's request that the authorizer cannot make because it
 * sees only attributes (kube puts such field-level rules in admission). Run on the hub's API
 * server after authentication and before the handler, for agent identities only:
 *
 * - non-resource paths other than discovery are refused (the generic discovery rule would let any
 *   authenticated user read /metrics);
 * - a create under a named row of AGENT_RULES must name that object in its body (the path of a
 *   create names none), so an agent creates its heartbeat Lease and no other;
 * - a write under a 'finalizers-only' row (the Work itself) must carry the resourceVersion it was
 *   computed from and, applied to that version, change nothing but the agent's own finalizer.
 *   The precondition is what makes the check exact: the API applies the write to that same
 *   version or answers 409.
 *
 * The decisions are pure functions of (rule, request, current object); the hub's Fastify hook
 * (agent-admission-hook.ts) and the gateway (hub/gateway/forward.ts) only feed them.
 */
import { isDeepStrictEqual } from 'node:util';
import { WORK_FINALIZER } from '../../api/federation.js';
import type { RequestAttributes } from '../../apiserver/auth/authz.js';
import { applyJsonPatch, applyMergePatch } from '../../apiserver/patch/index.js';
import type { KubeObject } from '../../api/kubernetes.js';
import type { KubeClient } from '../../client/client.js';
import { matchAgentRule, type AgentRule } from './agent-rules.js';

/** Discovery an agent may read (as forward.ts forwards it); every other non-resource path is refused. */
const DISCOVERY = /^\/(?:version|api|apis|api\/v1|apis\/[a-z0-9.-]+(?:\/[a-z0-9]+)?)$/;

/** The finalizer each row of kind 'finalizers-only' lets the agent add or remove. */
const AGENT_FINALIZER = WORK_FINALIZER;

export type PatchKind = 'json' | 'merge' | 'strategic' | 'apply' | 'other';

export function patchKindOf(contentType: string | undefined): PatchKind {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (t === 'application/json-patch+json') return 'json';
  if (t === 'application/merge-patch+json') return 'merge';
  if (t === 'application/strategic-merge-patch+json') return 'strategic';
  if (t.startsWith('application/apply-patch')) return 'apply';
  return 'other';
}

/** What an agent sent: the verb's body as text (protobuf and other binary bodies arrive as Buffers). */
export interface AgentWrite {
  attrs: RequestAttributes;
  body: unknown;
  patchKind: PatchKind;
}

/** Outcome of a check: undefined to let the request through, or why it is refused (403). */
export type Refusal = string | undefined;

function parseJson(body: unknown): unknown {
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A create under a named row must name exactly that object (and no other namespace). */
export function checkCreateName(rule: AgentRule, cluster: string, w: AgentWrite): Refusal {
  if (!rule.name || w.attrs.verb !== 'create') return undefined;
  const want = rule.name(cluster);
  const obj = parseJson(w.body);
  const meta = isObject(obj) && isObject(obj.metadata) ? obj.metadata : undefined;
  if (meta?.name === want && (meta.namespace === undefined || meta.namespace === w.attrs.namespace))
    return undefined;
  return `an agent may create only the ${w.attrs.resource} "${want}" in its namespace`;
}

/** Server-set or server-restored fields: a write cannot change them, so they are not compared. */
const IGNORED_META = [
  'finalizers',
  'resourceVersion',
  'managedFields',
  'uid',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
  'selfLink',
  'name',
  'namespace',
];

function comparable(o: Record<string, unknown>): Record<string, unknown> {
  // status is the status subresource's; apiVersion/kind are checked by the API itself.
  const rest = Object.fromEntries(
    Object.entries(o).filter(([k]) => k !== 'status' && k !== 'apiVersion' && k !== 'kind'),
  );
  const meta = isObject(o.metadata) ? o.metadata : {};
  rest.metadata = Object.fromEntries(Object.entries(meta).filter(([k]) => !IGNORED_META.includes(k)));
  return rest;
}

/**
 * Whether `next` differs from `current` only by `finalizer` in metadata.finalizers (added or
 * removed). Pure; exported for tests.
 */
export function onlyFinalizerChanged(
  current: KubeObject,
  next: unknown,
  finalizer = AGENT_FINALIZER,
): Refusal {
  if (!isObject(next)) return 'the body is not an object';
  const a = comparable(current as unknown as Record<string, unknown>);
  const b = comparable(next);
  const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => k !== 'metadata' && !isDeepStrictEqual(a[k], b[k]))
    .concat(
      [
        ...new Set([
          ...Object.keys(a.metadata as Record<string, unknown>),
          ...Object.keys(b.metadata as Record<string, unknown>),
        ]),
      ]
        .filter(
          (k) =>
            !isDeepStrictEqual(
              (a.metadata as Record<string, unknown>)[k],
              (b.metadata as Record<string, unknown>)[k],
            ),
        )
        .map((k) => `metadata.${k}`),
    );
  const nextMeta = isObject(next.metadata) ? next.metadata : {};
  const before = new Set(current.metadata.finalizers ?? []);
  const afterRaw = nextMeta.finalizers ?? [];
  if (!Array.isArray(afterRaw)) changed.push('metadata.finalizers');
  else {
    const after = new Set(afterRaw);
    const diff = [...before, ...after].filter((f) => before.has(f) !== after.has(f));
    if (diff.some((f) => f !== finalizer)) changed.push(`metadata.finalizers (other than ${finalizer})`);
  }
  if (changed.length === 0) return undefined;
  return `an agent may change only its finalizer ${finalizer} on a ${String(current.kind ?? 'object')}; this request changes ${changed.sort().join(', ')}`;
}

function carriesResourceVersion(kind: PatchKind, doc: unknown): boolean {
  if (kind === 'json')
    return Array.isArray(doc) && doc.some((op) => isObject(op) && op.path === '/metadata/resourceVersion');
  const meta = isObject(doc) && isObject(doc.metadata) ? doc.metadata : undefined;
  return typeof meta?.resourceVersion === 'string' && meta.resourceVersion !== '';
}

/**
 * A write under a 'finalizers-only' row, decided against the object as the API holds it now
 * (`current`; undefined when it does not exist, which the API answers itself).
 */
export function checkFinalizersOnly(w: AgentWrite, current: KubeObject | undefined): Refusal {
  const doc = parseJson(w.body);
  const why = 'an agent writes a Work only to add or remove its finalizer';
  if (w.attrs.verb === 'patch' && w.patchKind !== 'json' && w.patchKind !== 'merge')
    return `${why}, with a JSON or merge patch`;
  if (doc === undefined) return `${why}; the body is not JSON`;
  if (!carriesResourceVersion(w.attrs.verb === 'patch' ? w.patchKind : 'merge', doc))
    return `${why}, and must send the metadata.resourceVersion it read (a precondition)`;
  if (!current) return undefined;
  let next: unknown;
  try {
    next =
      w.attrs.verb === 'update'
        ? doc
        : w.patchKind === 'json'
          ? applyJsonPatch(current, doc)
          : applyMergePatch(current, doc);
  } catch {
    return undefined; // the API fails the patch the same way
  }
  // Computed from another version: the API answers 409 (the precondition), nothing to decide here.
  const rv = isObject(next) && isObject(next.metadata) ? next.metadata.resourceVersion : undefined;
  if (rv !== current.metadata.resourceVersion) return undefined;
  return onlyFinalizerChanged(current, next);
}

/** Looks up the object an agent's write targets, as the API holds it. */
export type CurrentObject = (attrs: RequestAttributes) => Promise<KubeObject | undefined>;

/** Everything admission decides for one agent request. */
export async function admitAgent(cluster: string, w: AgentWrite, current: CurrentObject): Promise<Refusal> {
  const a = w.attrs;
  if (!a.resourceRequest)
    return a.verb === 'get' && DISCOVERY.test(a.path) ? undefined : 'an agent may read only discovery';
  const rule = matchAgentRule(cluster, a);
  if (!rule) return undefined; // the authorizer refuses it
  const named = checkCreateName(rule, cluster, w);
  if (named) return named;
  if (rule.body === 'finalizers-only' && (a.verb === 'update' || a.verb === 'patch'))
    return checkFinalizersOnly(w, await current(a));
  return undefined;
}

/**
 * The same checks for the gateway (in-cluster mode), which forwards an agent's request to the host
 * API: `host` reads the object there (`path` is the canonical object path the gateway rebuilt).
 */
export function admitForwarded(
  host: KubeClient,
  cluster: string,
  attrs: RequestAttributes,
  body: string | undefined,
  contentType: string,
  path: string,
): Promise<Refusal> {
  return admitAgent(cluster, { attrs, body, patchKind: patchKindOf(contentType) }, () =>
    host.getIfExists<KubeObject>(path),
  );
}
