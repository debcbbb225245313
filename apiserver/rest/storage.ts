import { followPrefix } from '../storage/follow.js';
import { ApiError, errors } from '../errors.js';
import { applyServerSide, conflictError, trackUpdate } from '../fieldmanager/index.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../patch/index.js';
import { builtinPatchMeta } from '../patch/builtin-patch-meta.js';
import type { ResourceRegistry } from '../registry/registry.js';
import { groupVersion, type ResourceInfo, type ResourceVersion } from '../registry/resource-info.js';
import { StoreError, type Store, type StoredObject } from '../storage/store.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { rfc3339, type RequestContext } from './context.js';
import { hooksFor } from './kind-hooks.js';
import { KindEnvironment } from '../kinds/index.js';
import { collectionPrefix, storageKey } from './keys.js';
import { filterFor, type ListQuery, type ListResponse } from './list-query.js';
import { caughtUp, tooLargeResourceVersion } from './revision.js';
import { toStorage, toVersion } from './convert.js';
import { encodeContinue } from './continue-token.js';
import {
  checkTypeMeta,
  clone,
  prepareCreateMeta,
  prepareUpdateMeta,
  sameObject,
  specChanged,
  tracksGeneration,
} from './object-meta.js';
import {
  defaultObject,
  pruneForValidation,
  validateObject,
  type FieldValidation,
} from './validate-object.js';

export interface WriteOptions {
  dryRun: boolean;
  fieldManager: string;
  fieldValidation: FieldValidation;
  subresource?: 'status';
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** Patches retry on a concurrent write, as kube-apiserver does, unless they carry a resourceVersion. */
const PATCH_RETRIES = 5;

/**
 * The lifecycle of every object (kube's generic registry store): metadata rules, schema pruning,
 * defaulting and validation, status subresource, generation, managedFields, finalizers, CAS writes.
 * One implementation for built-in and custom kinds; kind particulars live in kind-hooks.
 */
export class ObjectStorage {
  constructor(
    readonly store: Store,
    readonly registry: ResourceRegistry,
    readonly kinds: KindEnvironment = new KindEnvironment(store),
  ) {}

  async get(
    info: ResourceInfo,
    version: ResourceVersion,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject> {
    const cur = await this.store.get(storageKey(info, namespace, name));
    if (!cur) throw errors.notFound(info.resource, info.group, name);
    return toVersion(cur.object, info, version);
  }

  async list(
    info: ResourceInfo,
    version: ResourceVersion,
    namespace: string | undefined,
    q: ListQuery,
  ): Promise<ListResponse> {
    const prefix = collectionPrefix(info, namespace);
    const matches = filterFor(info, version, q);
    const minRv = Number(q.resourceVersion);
    if (q.resourceVersion && Number.isInteger(minRv) && minRv > 0 && !(await caughtUp(this.store, minRv))) {
      throw tooLargeResourceVersion(minRv, this.store.currentRevision());
    }
    const items: KubeObject[] = [];
    let start = q.continueKey;
    let atRevision = q.continueRevision ?? q.exactRevision;
    const limit = q.limit;
    let more = false;
    let lastKey: string | undefined;
    let revision = 0;
    for (;;) {
      const want = limit ? Math.max(limit - items.length, 1) : undefined;
      const page = await this.store
        .list(prefix, { startAfter: start, limit: want && want < 100 && limit ? 100 : want, atRevision })
        .catch((e: unknown) => {
          if (e instanceof StoreError && e.code === 'Compacted') {
            // kube's etcd3 store: a continue token and an exact resourceVersion expire differently.
            throw errors.expired(
              q.continueRevision !== undefined
                ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'
                : 'The resourceVersion for the provided list is too old.',
            );
          }
          throw e;
        });
      revision = page.revision;
      atRevision = page.revision;
      for (const item of page.items) {
        lastKey = item.key;
        if (matches(item.object)) items.push(toVersion(item.object, info, version));
        if (limit && items.length >= limit) break;
      }
      if (limit && items.length >= limit) {
        more = page.more || page.items[page.items.length - 1]?.key !== lastKey;
        break;
      }
      if (!page.more) break;
      start = page.items[page.items.length - 1].key;
    }
    const out: ListResponse = { items, resourceVersion: String(revision) };
    if (more && lastKey) out.continue = encodeContinue(lastKey, revision);
    return out;
  }

  async create(
    ctx: RequestContext,
    info: ResourceInfo,
    version: ResourceVersion,
    namespace: string | undefined,
    body: KubeObject,
    opts: WriteOptions,
    managedAlready = false,
  ): Promise<KubeObject> {
    const obj = clone(body);
    checkTypeMeta(obj, info, version);
    prepareCreateMeta(ctx, info, namespace, obj);
    pruneForValidation(obj, version, opts.fieldValidation, ctx);
    if (version.subresources.status) delete obj.status;
    defaultObject(obj, version);
    hooksFor(info)?.prepareForCreate?.(ctx, obj);
    await hooksFor(info)?.prepareAsync?.(this.kinds, obj, undefined, opts.dryRun);
    validateObject(info, version, obj);
    if (info.namespaced) await this.requireActiveNamespace(namespace);
    const stored = managedAlready
      ? obj
      : trackUpdate(undefined, obj, this.fmOptions(ctx, opts, version, info));
    if (opts.dryRun) return stored;
    const name = String(stored.metadata.name);
    try {
      const res = await this.store.create(storageKey(info, namespace, name), toStorage(stored, info));
      return toVersion(res.object, info, version);
    } catch (e) {
      if (e instanceof StoreError && e.code === 'KeyExists')
        throw errors.alreadyExists(info.resource, info.group, name);
      throw e;
    }
  }

  /** PUT: replace the object (or only its status). */
  async update(
    ctx: RequestContext,
    info: ResourceInfo,
    version: ResourceVersion,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    opts: WriteOptions,
  ): Promise<KubeObject> {
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw errors.badRequest('the request body must be an object');
    const cur = await this.store.get(storageKey(info, namespace, name));
    if (!cur) throw errors.notFound(info.resource, info.group, name);
    // No retry: a PUT replaces what the client read; if the object moved meanwhile, it is told so.
    return this.writeUpdate(ctx, info, version, cur, clone(body), opts, false).catch((e: unknown) => {
      throw storeWriteError(e, info, name);
    });
  }

  async patch(
    ctx: RequestContext,
    info: ResourceInfo,
    version: ResourceVersion,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    /** The patch document, decoded (and bounded) by the HTTP layer. */
    doc: unknown,
    opts: WriteOptions & { force: boolean },
  ): Promise<{ object: KubeObject; created: boolean }> {
    if (type === 'strategic' && !info.builtin) {
      throw errors.unsupportedMediaType(
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
    }
    const key = storageKey(info, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const cur = await this.store.get(key);
      try {
        if (type === 'apply') {
          const applied = doc as KubeObject;
          if (typeof applied !== 'object' || applied === null || Array.isArray(applied)) {
            throw errors.badRequest('the apply configuration must be an object');
          }
          checkTypeMeta(applied, info, version);
          if (applied.metadata?.name !== undefined && applied.metadata.name !== name) {
            throw errors.badRequest(
              `the name of the object (${String(applied.metadata.name)}) does not match the name on the URL (${name})`,
            );
          }
          applied.metadata = { ...(applied.metadata ?? {}), name };
          if (info.namespaced) applied.metadata.namespace = namespace;
          pruneForValidation(applied, version, opts.fieldValidation, ctx);
          const fm = { ...this.fmOptions(ctx, opts, version, info), force: opts.force };
          const live = cur ? toVersion(cur.object, info, version) : undefined;
          const res = applyServerSide(live, applied, fm);
          if ('conflicts' in res) throw conflictError(res.conflicts, info.resource, info.group, name);
          if (!cur) {
            return {
              object: await this.create(ctx, info, version, namespace, res.object, opts, true),
              created: true,
            };
          }
          return {
            object: await this.writeUpdate(ctx, info, version, cur, res.object, opts, true),
            created: false,
          };
        }
        if (!cur) throw errors.notFound(info.resource, info.group, name);
        const base = toVersion(cur.object, info, version);
        const patched = applyPatch(type, base, doc, info) as KubeObject;
        if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) {
          throw errors.badRequest('the patch turned the object into something that is not an object');
        }
        return {
          object: await this.writeUpdate(ctx, info, version, cur, patched, opts, false),
          created: false,
        };
      } catch (e) {
        const retriable =
          attempt < PATCH_RETRIES &&
          ((e instanceof StoreError &&
            (e.code === 'Conflict' || e.code === 'KeyExists' || e.code === 'NotFound')) ||
            (e instanceof ApiError && e.reason === 'AlreadyExists' && type === 'apply'));
        if (retriable && !patchCarriesResourceVersion(doc)) continue;
        throw storeWriteError(e, info, name);
      }
    }
  }

  /** The common tail of PUT and PATCH: everything between "this is the new object" and the CAS write. */
  private async writeUpdate(
    ctx: RequestContext,
    info: ResourceInfo,
    version: ResourceVersion,
    cur: StoredObject,
    incoming: KubeObject,
    opts: WriteOptions,
    managedAlready: boolean,
  ): Promise<KubeObject> {
    const old = toVersion(cur.object, info, version);
    const name = String(old.metadata.name);
    let obj: KubeObject;
    checkTypeMeta(incoming, info, version);
    if (opts.subresource === 'status') {
      const rv = incoming.metadata?.resourceVersion;
      if (rv && rv !== old.metadata.resourceVersion) throw errors.conflict(info.resource, info.group, name);
      obj = { ...clone(old), status: incoming.status };
      if (incoming.status === undefined) delete obj.status;
    } else {
      obj = incoming;
      prepareUpdateMeta(info, name, old, obj);
      pruneForValidation(obj, version, opts.fieldValidation, ctx);
      if (version.subresources.status) {
        if (old.status === undefined) delete obj.status;
        else obj.status = clone(old.status);
      }
    }
    defaultObject(obj, version);
    hooksFor(info)?.prepareForUpdate?.(ctx, old, obj);
    if (opts.subresource !== 'status')
      await hooksFor(info)?.prepareAsync?.(this.kinds, obj, old, opts.dryRun);
    if (tracksGeneration(info) && specChanged(old, obj, version.subresources.status)) {
      obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
    validateObject(info, version, obj);
    const fm = this.fmOptions(ctx, opts, version, info);
    const next = managedAlready
      ? { ...obj, metadata: { ...obj.metadata, managedFields: obj.metadata.managedFields } }
      : trackUpdate(old, obj, fm);
    if (sameObject(old, next)) return old;
    const finalize =
      Boolean(next.metadata.deletionTimestamp) &&
      !next.metadata.finalizers?.length &&
      !hooksFor(info)?.pendingDeletion?.(next);
    if (opts.dryRun) return next;
    const key = storageKey(info, old.metadata.namespace, name);
    if (finalize) {
      const gone = await this.store.delete(key, cur.revision);
      return toVersion(gone.object, info, version);
    }
    const stored = await this.store.update(key, toStorage(next, info), cur.revision);
    return toVersion(stored.object, info, version);
  }

  /**
   * DELETE: immediate when nothing holds the object; otherwise it is marked (deletionTimestamp) and
   * the holders (finalizers) finish the job. Returns whether it is gone.
   */
  async delete(
    ctx: RequestContext,
    info: ResourceInfo,
    version: ResourceVersion,
    namespace: string | undefined,
    name: string,
    opts: { dryRun: boolean; preconditions?: { uid?: string; resourceVersion?: string } },
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    const key = storageKey(info, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const cur = await this.store.get(key);
      if (!cur) throw errors.notFound(info.resource, info.group, name);
      const obj = toVersion(cur.object, info, version);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== obj.metadata.uid) {
        throw errors.conflict(
          info.resource,
          info.group,
          name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(obj.metadata.uid)}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
        throw errors.conflict(
          info.resource,
          info.group,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(obj.metadata.resourceVersion)}`,
        );
      }
      const hooks = hooksFor(info);
      const held = (obj.metadata.finalizers?.length ?? 0) > 0 || Boolean(hooks?.pendingDeletion?.(obj));
      try {
        if (!held) {
          if (opts.dryRun) return { object: obj, deleted: true };
          const gone = await this.store.delete(key, cur.revision);
          return { object: toVersion(gone.object, info, version), deleted: true };
        }
        if (obj.metadata.deletionTimestamp) return { object: obj, deleted: false };
        const marked = clone(obj);
        marked.metadata.deletionTimestamp = rfc3339(ctx.now);
        marked.metadata.deletionGracePeriodSeconds = 0;
        if (tracksGeneration(info)) marked.metadata.generation = (obj.metadata.generation ?? 0) + 1;
        hooks?.markDeleting?.(ctx, marked);
        if (opts.dryRun) return { object: marked, deleted: false };
        const stored = await this.store.update(key, toStorage(marked, info), cur.revision);
        return { object: toVersion(stored.object, info, version), deleted: false };
      } catch (e) {
        if (
          e instanceof StoreError &&
          (e.code === 'Conflict' || e.code === 'NotFound') &&
          attempt < PATCH_RETRIES
        )
          continue;
        throw storeWriteError(e, info, name);
      }
    }
  }

  /**
   * Namespace state (exists, terminating) followed through a store watch, so a create does not read
   * and parse its namespace every time.
   */
  private namespaces: Map<string, boolean> | undefined;

  async trackNamespaces(): Promise<void> {
    const nsInfo = this.registry.get('', 'namespaces');
    if (!nsInfo) return;
    const prefix = collectionPrefix(nsInfo, undefined);
    const state = new Map<string, boolean>();
    await followPrefix(this.store, prefix, {
      reset(items) {
        state.clear();
        for (const i of items)
          state.set(String(i.object.metadata.name), Boolean(i.object.metadata.deletionTimestamp));
      },
      event(ev) {
        const name = String(ev.object.metadata.name);
        if (ev.type === 'DELETED') state.delete(name);
        else state.set(name, Boolean(ev.object.metadata.deletionTimestamp));
      },
    });
    this.namespaces = state;
  }

  private async requireActiveNamespace(namespace: string | undefined): Promise<void> {
    const nsInfo = this.registry.get('', 'namespaces');
    if (!namespace || !nsInfo) throw errors.badRequest('a namespace is required for this resource');
    let terminating = this.namespaces?.get(namespace);
    if (!this.namespaces) {
      const ns = await this.store.get(storageKey(nsInfo, undefined, namespace));
      terminating = ns ? Boolean(ns.object.metadata.deletionTimestamp) : undefined;
    }
    if (terminating === undefined) throw errors.notFound('namespaces', '', namespace);
    if (terminating) {
      throw errors.forbidden(
        `unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          causes: [
            {
              reason: 'NamespaceTerminating',
              message: `namespace ${namespace} is being terminated`,
              field: 'metadata.namespace',
            },
          ],
        },
      );
    }
  }

  private fmOptions(ctx: RequestContext, opts: WriteOptions, version: ResourceVersion, info: ResourceInfo) {
    return {
      manager: opts.fieldManager,
      apiVersion: groupVersion(info.group, version.name),
      now: rfc3339(ctx.now),
      listType: info.listType,
      subresource: opts.subresource,
    };
  }
}

/**
 * A compare-and-swap write that lost its race is the client's 409 Conflict (or 404 when the object
 * went away), never a 500: kube's storage errors are interpreted the same way.
 */
export function storeWriteError(e: unknown, info: ResourceInfo, name: string): unknown {
  if (!(e instanceof StoreError)) return e;
  if (e.code === 'Conflict') return errors.conflict(info.resource, info.group, name);
  if (e.code === 'NotFound') return errors.notFound(info.resource, info.group, name);
  if (e.code === 'KeyExists') return errors.alreadyExists(info.resource, info.group, name);
  return e;
}

function applyPatch(type: PatchType, base: KubeObject, doc: unknown, info: ResourceInfo): unknown {
  switch (type) {
    case 'json':
      return applyJsonPatch(base, doc);
    case 'merge':
      return applyMergePatch(base, doc);
    case 'strategic':
      return applyStrategicMergePatch(base, doc, builtinPatchMeta(info.group, info.kind));
    default:
      throw errors.unsupportedMediaType(`unsupported patch type ${type}`);
  }
}

function patchCarriesResourceVersion(doc: unknown): boolean {
  if (Array.isArray(doc)) {
    return doc.some(
      (op) =>
        typeof op === 'object' &&
        op !== null &&
        (op as { path?: string }).path === '/metadata/resourceVersion',
    );
  }
  const meta = (doc as KubeObject | null)?.metadata;
  return (
    typeof meta === 'object' &&
    meta !== null &&
    typeof meta.resourceVersion === 'string' &&
    meta.resourceVersion !== ''
  );
}
