/** Server-side apply, as kube-apiserver's field manager runs structured-merge-diff's Updater.Apply. */
import { errors } from '../errors.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { compare } from './compare.js';
import { FieldSet } from './fieldset.js';
import { deepEqual, isMap } from './json.js';
import { FieldPathError } from './list-items.js';
import {
  decodeManagers,
  encodeManagers,
  managerId,
  managerName,
  serverOwnedFields,
  type Managers,
} from './managers.js';
import { merge } from './merge.js';
import { keepServerMetadata, withoutManagedFields } from './object.js';
import type { FieldConflict, FieldManagerOptions } from './options.js';
import { pathString } from './path.js';
import { prune } from './prune.js';
import { toFieldSet } from './to-field-set.js';

export type ApplyResult = { object: KubeObject } | { conflicts: FieldConflict[] };

export function applyServerSide(
  live: KubeObject | undefined,
  applied: KubeObject,
  opts: FieldManagerOptions & { force: boolean },
): ApplyResult {
  if (applied.apiVersion !== opts.apiVersion) {
    throw errors.badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${String(applied.apiVersion ?? '')}, expected: ${opts.apiVersion}`,
    );
  }
  if (isMap(applied.metadata) && applied.metadata.managedFields != null) {
    throw errors.badRequest('metadata.managedFields must be nil');
  }
  let managers: Managers;
  try {
    managers = decodeManagers(live?.metadata.managedFields);
  } catch (e) {
    throw errors.internal(`failed to decode managed fields: ${(e as Error).message}`);
  }
  const liveObj = live ? withoutManagedFields(live) : undefined;
  const config = typed(() => toFieldSet(applied, opts.listType), 'patch');
  const me = {
    manager: managerName(opts.manager),
    operation: 'Apply' as const,
    apiVersion: opts.apiVersion,
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
  };
  const myId = managerId(me);
  const last = managers.get(myId);
  managers.set(myId, { ...me, ...(last?.time ? { time: last.time } : {}), set: config });

  const { next, removed, changedByMe } = typed(() => {
    let obj = merge(liveObj ?? {}, withoutManagedFields(applied), opts.listType) as KubeObject;
    keepServerMetadata(obj, liveObj);
    if (last && !last.set.empty()) {
      const owned = [...managers.values()].reduce((acc, m) => acc.union(m.set), new FieldSet());
      obj = prune(obj, last.set, owned, opts.listType) as KubeObject;
    }
    const cmp = compare(liveObj ?? {}, obj, opts.listType);
    return { next: obj, removed: cmp.removed, changedByMe: cmp.modified.union(cmp.added) };
  }, 'live');

  const conflicts: FieldConflict[] = [];
  const lost = new Map<string, FieldSet>();
  for (const [id, m] of managers) {
    if (id === myId) continue;
    const taken = m.set.intersection(changedByMe);
    if (taken.empty()) continue;
    lost.set(id, taken);
    for (const p of taken.paths()) {
      conflicts.push({
        manager: m.manager,
        apiVersion: m.apiVersion,
        field: pathString(p),
        operation: m.operation,
        ...(m.subresource ? { subresource: m.subresource } : {}),
      });
    }
  }
  if (conflicts.length > 0 && !opts.force) return { conflicts };

  for (const [id, m] of managers) {
    const set =
      id === myId
        ? m.set.difference(serverOwnedFields)
        : m.set.difference(lost.get(id) ?? new FieldSet()).difference(removed);
    if (set.empty()) managers.delete(id);
    else managers.set(id, { ...m, set });
  }
  const mine = managers.get(myId);
  // A no-op apply leaves the timestamp alone (an entry new to a no-op carries none, as in Kubernetes).
  if (mine && !deepEqual(liveObj, next)) managers.set(myId, { ...mine, time: opts.now });

  if (!isMap(next.metadata)) next.metadata = {};
  const entries = encodeManagers(managers);
  if (entries.length > 0) next.metadata.managedFields = entries;
  else delete next.metadata.managedFields;
  return { object: next };
}

/** Values structured-merge-diff cannot type fail the request, worded as Kubernetes words them. */
function typed<T>(fn: () => T, what: 'patch' | 'live'): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof FieldPathError)) throw e;
    if (what === 'patch') throw errors.badRequest(`failed to create typed patch object: ${e.message}`);
    throw errors.internal(`failed to create typed live object: ${e.message}`);
  }
}
