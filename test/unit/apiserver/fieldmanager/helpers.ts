import {
  applyServerSide,
  trackUpdate,
  type FieldConflict,
} from '../../../../apiserver/fieldmanager/index.js';
import type { KubeObject, ListTypeResolver, ManagedFieldsEntry } from '../../../../api/kubernetes.js';

/** The list types a Deployment's schema declares for the fields these tests touch. */
export const listType: ListTypeResolver = (path) => {
  const p = path.join('.');
  if (p === 'spec.template.spec.containers') return { type: 'map', keys: ['name'] };
  if (p === 'spec.template.spec.containers.ports')
    return { type: 'map', keys: ['containerPort', 'protocol'] };
  if (p === 'metadata.finalizers') return { type: 'set' };
  return undefined;
};

export function deployment(
  spec: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', ...metadata },
    spec,
  };
}

export const containers = (...cs: Array<Record<string, unknown>>) => ({
  template: { spec: { containers: cs } },
});

export type Step =
  | { apply: KubeObject; manager: string; force?: boolean; now?: string }
  | {
      update: KubeObject | ((live: KubeObject) => KubeObject);
      manager: string;
      now?: string;
      subresource?: string;
    }
  /** A change no manager records, as defaulting on the server is. */
  | { untracked: (live: KubeObject) => KubeObject };

export type Outcome =
  { object: KubeObject; conflicts?: undefined } | { conflicts: FieldConflict[]; object: KubeObject };

/** Runs writes in order against one object; stops at the first conflict. */
export function run(steps: Step[], now = '2024-01-01T00:00:00Z'): Outcome {
  let live: KubeObject | undefined;
  for (const step of steps) {
    if ('untracked' in step) {
      live = step.untracked(structuredClone(live as KubeObject));
      continue;
    }
    const opts = { manager: step.manager, apiVersion: 'apps/v1', now: step.now ?? now, listType };
    if ('apply' in step) {
      const r = applyServerSide(live, step.apply, { ...opts, force: step.force ?? false });
      if ('conflicts' in r) return { conflicts: r.conflicts, object: live as KubeObject };
      live = r.object;
    } else {
      const next =
        typeof step.update === 'function' ? step.update(structuredClone(live as KubeObject)) : step.update;
      const sub = step.subresource ? { subresource: step.subresource } : {};
      live = trackUpdate(live, next, { ...opts, ...sub });
    }
  }
  return { object: live as KubeObject };
}

/** managedFields as "manager/operation" → fieldsV1, the part of an entry worth asserting on. */
export function owners(obj: KubeObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of obj.metadata.managedFields ?? []) out[`${e.manager}/${e.operation}`] = e.fieldsV1;
  return out;
}

export function entries(obj: KubeObject): Array<Omit<ManagedFieldsEntry, 'fieldsV1'>> {
  return (obj.metadata.managedFields ?? []).map(({ fieldsV1: _f, ...rest }) => rest);
}
