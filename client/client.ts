/**
 * Small JSON client for the calls controllers make, on any path (built-in or CR).
 *
 * Why not KubernetesObjectApi: its patch() defaults to strategic merge patch, which CRs reject
 * with 415, and its errors bury the Status. Here the patch type is explicit and every non-2xx
 * answer throws an ApiError carrying the HTTP code and Status reason.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../api/kubernetes.js';
import { ApiError, isNotFound, type Status } from './errors.js';
import { requestText, type Query } from './transport.js';

export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  signal?: AbortSignal;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

/** Content types per patch type. CRs accept merge, json and apply; only built-ins accept strategic. */
export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** One RFC 6902 operation. */
export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: 'All';
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** Delete only if the object still has this uid / resourceVersion (409 otherwise). */
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
}

export interface ClientOptions {
  /** Fail a request if no bytes move for this long (default 30 s). */
  timeoutMs?: number;
  /** Default fieldManager for writes (Kubernetes records it in managedFields). */
  fieldManager?: string;
}

/** Path of a resource collection or object: `/api/v1/...` for the core group, `/apis/g/v/...` otherwise. */
export function resourcePath(
  r: { group: string; version: string; resource: string },
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let p = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  if (namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.resource}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

export class KubeClient {
  private readonly timeoutMs: number;
  private readonly fieldManager?: string;

  constructor(
    readonly kc: KubeConfig,
    opts: ClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.fieldManager = opts.fieldManager;
  }

  /**
   * One JSON request. 2xx → the parsed body (undefined when empty); anything else → ApiError
   * with the code and the Status' reason.
   */
  async request<T>(
    method: string,
    path: string,
    opts: { query?: Query; body?: unknown; contentType?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    const body =
      opts.body === undefined
        ? undefined
        : typeof opts.body === 'string'
          ? opts.body
          : JSON.stringify(opts.body);
    const res = await requestText(this.kc, {
      method,
      path,
      query: opts.query,
      body,
      headers: body !== undefined ? { 'content-type': opts.contentType ?? 'application/json' } : {},
      timeoutMs: this.timeoutMs,
      signal: opts.signal,
    });
    if (res.status < 200 || res.status >= 300)
      throw ApiError.fromResponse(res.status, res.body, `${method} ${path}`);
    if (res.body === '') return undefined as T;
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new Error(`${method} ${path}: response is not JSON: ${res.body.slice(0, 200)}`);
    }
  }

  get<T = KubeObject>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  /** GET that answers undefined instead of throwing on 404. */
  async getIfExists<T = KubeObject>(path: string, query?: Query): Promise<T | undefined> {
    try {
      return await this.get<T>(path, query);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** One page of a list. */
  list<T = KubeObject>(path: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', path, {
      query: {
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        limit: opts.limit,
        continue: opts.continue,
        resourceVersion: opts.resourceVersion,
      },
      signal: opts.signal,
    });
  }

  /**
   * Every page of a list (limit/continue). The resourceVersion is the first page's: the later
   * pages are served from the same snapshot, so it is the RV to watch from.
   */
  async listAll<T = KubeObject>(
    path: string,
    opts: Omit<ListOptions, 'continue'> = {},
  ): Promise<{ items: T[]; resourceVersion: string; kind?: string; apiVersion?: string }> {
    const items: T[] = [];
    let cont: string | undefined;
    const first = await this.list<T>(path, { limit: 500, ...opts });
    items.push(...(first.items ?? []));
    cont = first.metadata?.continue || undefined;
    while (cont) {
      // The continue token pins the snapshot; Kubernetes rejects a resourceVersion next to it.
      const page = await this.list<T>(path, {
        limit: 500,
        ...opts,
        resourceVersion: undefined,
        continue: cont,
      });
      items.push(...(page.items ?? []));
      cont = page.metadata?.continue || undefined;
    }
    return {
      items,
      resourceVersion: first.metadata?.resourceVersion ?? '',
      kind: first.kind,
      apiVersion: first.apiVersion,
    };
  }

  /** POST to the collection path. */
  create<T = KubeObject>(collectionPath: string, obj: unknown, opts: WriteOptions = {}): Promise<T> {
    return this.request<T>('POST', collectionPath, { body: obj, query: this.writeQuery(opts) });
  }

  /** PUT to the object path; the object's metadata.resourceVersion makes it compare-and-swap (409 Conflict). */
  update<T = KubeObject>(objectPath: string, obj: unknown, opts: WriteOptions = {}): Promise<T> {
    return this.request<T>('PUT', objectPath, { body: obj, query: this.writeQuery(opts) });
  }

  /** PUT to the status subresource: only status changes are kept. */
  updateStatus<T = KubeObject>(objectPath: string, obj: unknown, opts: WriteOptions = {}): Promise<T> {
    return this.request<T>('PUT', `${objectPath}/status`, { body: obj, query: this.writeQuery(opts) });
  }

  /**
   * PATCH with an explicit type. 'merge' (RFC 7386) and 'json' (RFC 6902) work on every
   * resource; 'strategic' only on built-ins; 'apply' needs a fieldManager.
   */
  patch<T = KubeObject>(
    objectPath: string,
    patch: unknown,
    type: PatchType = 'merge',
    opts: WriteOptions & { force?: boolean } = {},
  ): Promise<T> {
    const query: Query = { ...this.writeQuery(opts), force: opts.force };
    if (type === 'apply' && !query.fieldManager) throw new Error('apply patch needs a fieldManager');
    return this.request<T>('PATCH', objectPath, {
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
      query,
    });
  }

  mergePatch<T = KubeObject>(objectPath: string, patch: object, opts: WriteOptions = {}): Promise<T> {
    return this.patch<T>(objectPath, patch, 'merge', opts);
  }

  jsonPatch<T = KubeObject>(objectPath: string, ops: JsonPatchOp[], opts: WriteOptions = {}): Promise<T> {
    return this.patch<T>(objectPath, ops, 'json', opts);
  }

  /**
   * DELETE. Answers the Status (deleted at once) or the object (still held by finalizers: it now
   * has a deletionTimestamp). Throws ApiError 404 when already gone; see deleteIfExists.
   */
  delete(objectPath: string, opts: DeleteOptions = {}): Promise<KubeObject | Status> {
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', ...opts };
    return this.request<KubeObject | Status>('DELETE', objectPath, { body });
  }

  /** DELETE that treats 404 as done; answers whether this call found the object. */
  async deleteIfExists(objectPath: string, opts: DeleteOptions = {}): Promise<boolean> {
    try {
      await this.delete(objectPath, opts);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  private writeQuery(opts: WriteOptions): Query {
    return {
      fieldManager: opts.fieldManager ?? this.fieldManager,
      dryRun: opts.dryRun,
      fieldValidation: opts.fieldValidation,
    };
  }
}
