/** managedFields upkeep for create/update/patch, as kube-apiserver's field manager does it. */
import type { KubeObject } from '../../api/kubernetes.js';
import { compare } from './compare.js';
import { FieldSet } from './fieldset.js';
import { isMap } from './json.js';
import {
  decodeManagers,
  encodeManagers,
  managerId,
  managerName,
  serverOwnedFields,
  type Managers,
} from './managers.js';
import { withoutManagedFields } from './object.js';
import type { FieldManagerOptions } from './options.js';

export function trackUpdate(
  live: KubeObject | undefined,
  updated: KubeObject,
  opts: FieldManagerOptions,
): KubeObject {
  const managers = startingManagers(live, updated, opts);
  const liveObj = live ? withoutManagedFields(live) : {};
  const next = withoutManagedFields(updated);
  if (!isMap(next.metadata)) next.metadata = {};
  let changed: FieldSet;
  let removed: FieldSet;
  try {
    const cmp = compare(liveObj, next, opts.listType);
    changed = cmp.modified.union(cmp.added);
    removed = cmp.removed;
  } catch {
    // Kubernetes lets the write through and drops managedFields rather than keep wrong ones.
    return next;
  }

  // Every manager, this one's earlier entry included, gives up what changed or went away; the
  // writer then owns what it changed on top of what it had.
  for (const [id, m] of managers) {
    const set = m.set.difference(changed).difference(removed);
    if (set.empty()) managers.delete(id);
    else managers.set(id, { ...m, set });
  }
  const gained = changed.difference(serverOwnedFields);
  if (!gained.empty()) {
    const me = {
      manager: managerName(opts.manager),
      operation: 'Update' as const,
      apiVersion: opts.apiVersion,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
    };
    const id = managerId(me);
    managers.set(id, { ...me, time: opts.now, set: (managers.get(id)?.set ?? new FieldSet()).union(gained) });
  }

  const entries = encodeManagers(managers);
  if (entries.length > 0) next.metadata.managedFields = entries;
  return next;
}

/**
 * decodeLiveOrNew: a write may replace managedFields itself (an empty list, or a single empty
 * entry, clears them); otherwise, or through a subresource, the live object's are kept.
 */
function startingManagers(
  live: KubeObject | undefined,
  updated: KubeObject,
  opts: FieldManagerOptions,
): Managers {
  const fromLive = (): Managers => {
    try {
      return decodeManagers(live?.metadata.managedFields);
    } catch {
      return new Map();
    }
  };
  if (opts.subresource) return fromLive();
  const sent: unknown = isMap(updated.metadata) ? updated.metadata.managedFields : undefined;
  if (Array.isArray(sent)) {
    if (sent.length === 0) return new Map();
    if (sent.length === 1 && isMap(sent[0]) && Object.keys(sent[0]).length === 0) return new Map();
  }
  try {
    const decoded = decodeManagers(sent);
    if (decoded.size > 0) return decoded;
  } catch {
    // Clients that do not understand managedFields must not be able to wipe them by accident.
  }
  return fromLive();
}
