import { errors } from '../errors.js';
import type { ResourceInfo } from '../registry/resource-info.js';
import { builtinTraits } from '../registry/builtins.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { defaultCustomResourceDefinition } from '../schema/crd.js';
import { SYSTEM_USER, rfc3339, type RequestContext } from './context.js';
import type { KindEnvironment } from '../kinds/index.js';
import { jobHooks, serviceHooks } from '../kinds/hooks.js';

/** Behaviour particular to one kind, run inside the generic object lifecycle. */
export interface KindHooks {
  prepareForCreate?(ctx: RequestContext, obj: KubeObject): void;
  prepareForUpdate?(ctx: RequestContext, old: KubeObject, obj: KubeObject): void;
  /** Deletion that must go through a terminating phase even without metadata.finalizers. */
  pendingDeletion?(obj: KubeObject): boolean;
  /** How the object looks once marked for deletion. */
  markDeleting?(ctx: RequestContext, obj: KubeObject): void;
  /** After prepare, before validation: work that reads or writes the store (Service allocation). */
  prepareAsync?(
    env: KindEnvironment,
    obj: KubeObject,
    old: KubeObject | undefined,
    dryRun: boolean,
  ): Promise<void>;
}

export const NAMESPACE_FINALIZER = 'kubernetes';
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

type Spec = { finalizers?: string[] } & Record<string, unknown>;

const namespaceHooks: KindHooks = {
  prepareForCreate(_ctx, obj) {
    obj.spec = { ...(obj.spec as Spec | undefined), finalizers: [NAMESPACE_FINALIZER] };
    obj.status = { phase: 'Active' };
  },
  prepareForUpdate(ctx, old, obj) {
    // spec.finalizers only changes through the namespace lifecycle, as /finalize does in Kubernetes.
    if (ctx.user.name === SYSTEM_USER.name) return;
    obj.spec = {
      ...(obj.spec as Spec | undefined),
      finalizers: (old.spec as Spec | undefined)?.finalizers ?? [],
    };
  },
  pendingDeletion(obj) {
    return ((obj.spec as Spec | undefined)?.finalizers ?? []).length > 0;
  },
  markDeleting(_ctx, obj) {
    obj.status = { ...(obj.status as Record<string, unknown> | undefined), phase: 'Terminating' };
  },
};

interface CrdSpec {
  group?: string;
  names?: Record<string, unknown> & { plural?: string };
  versions?: { name: string; storage?: boolean }[];
}

const crdHooks: KindHooks = {
  prepareForCreate(ctx, obj) {
    defaultCustomResourceDefinition(obj);
    refuseBuiltinOverride(obj);
    const m = obj.metadata;
    m.finalizers = [...new Set([...(m.finalizers ?? []), CRD_CLEANUP_FINALIZER])];
    obj.status = crdStatus(ctx, obj, [], undefined);
  },
  prepareForUpdate(ctx, old, obj) {
    defaultCustomResourceDefinition(obj);
    refuseBuiltinOverride(obj);
    const oldStatus = old.status as { storedVersions?: string[] } | undefined;
    obj.status = crdStatus(
      ctx,
      obj,
      oldStatus?.storedVersions ?? [],
      old.status as { conditions?: { type: string; lastTransitionTime?: string }[] } | undefined,
    );
  },
};

function refuseBuiltinOverride(obj: KubeObject): void {
  const spec = obj.spec as CrdSpec | undefined;
  if (spec?.group !== undefined && spec.names?.plural && builtinTraits(spec.group, spec.names.plural)) {
    throw errors.invalid('CustomResourceDefinition', 'apiextensions.k8s.io', String(obj.metadata.name), [
      {
        reason: 'FieldValueForbidden',
        field: 'spec.group',
        message: `Forbidden: ${spec.names.plural}.${spec.group || 'core'} is a built-in resource`,
      },
    ]);
  }
}

/** The apiserver establishes a CRD as it stores it: names are accepted, the resource is served. */
function crdStatus(
  ctx: RequestContext,
  obj: KubeObject,
  stored: string[],
  previous: { conditions?: { type: string; lastTransitionTime?: string }[] } | undefined,
): Record<string, unknown> {
  const spec = (obj.spec ?? {}) as CrdSpec;
  const storage = spec.versions?.find((v) => v.storage)?.name;
  // The conditions never change once true: keep their times, so re-applying a CRD writes nothing.
  const since = (type: string) =>
    previous?.conditions?.find((c) => c.type === type)?.lastTransitionTime ?? rfc3339(ctx.now);
  return {
    acceptedNames: spec.names ?? {},
    storedVersions: [...new Set([...stored, ...(storage ? [storage] : [])])],
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        reason: 'NoConflicts',
        message: 'no conflicts found',
        lastTransitionTime: since('NamesAccepted'),
      },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
        lastTransitionTime: since('Established'),
      },
    ],
  };
}

/** Secrets: stringData is a write-only convenience folded into base64 data; type defaults to Opaque. */
function foldStringData(obj: KubeObject): void {
  const sd = obj.stringData as Record<string, unknown> | undefined;
  if (sd && typeof sd === 'object') {
    const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    obj.data = data;
  }
  delete obj.stringData;
  if (!obj.type) obj.type = 'Opaque';
}

const secretHooks: KindHooks = {
  prepareForCreate: (_ctx, obj) => foldStringData(obj),
  prepareForUpdate: (_ctx, _old, obj) => foldStringData(obj),
};

export function hooksFor(info: ResourceInfo): KindHooks | undefined {
  if (!info.builtin) return undefined;
  if (info.group === '' && info.resource === 'secrets') return secretHooks;
  if (info.group === '' && info.resource === 'namespaces') return namespaceHooks;
  if (info.group === '' && info.resource === 'services') return serviceHooks;
  if (info.group === 'batch' && info.resource === 'jobs') return jobHooks;
  if (info.group === 'apiextensions.k8s.io' && info.resource === 'customresourcedefinitions') return crdHooks;
  return undefined;
}
