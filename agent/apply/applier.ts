/**
 * Applies one Work's manifest to the member cluster, kubefed's way: namespace first, create with the
 * managed label, adopt an existing object (unless labelled managed "false"), update with retained
 * fields only when something would change; and removes or orphans it on deletion.
 */
import type { KubeObject } from '../../api/kubernetes.js';
import { resourcePath, type KubeClient } from '../../client/client.js';
import { isAlreadyExists, isApiError, isConflict, isNotFound } from '../../client/errors.js';
import { MANAGED_LABEL, type ClusterPropagationStatus } from '../../api/federation.js';
import { decideExisting } from './adopt.js';
import { needsUpdate } from './compare.js';
import { UnknownKindError, type Discovery, type ResolvedResource } from './discovery.js';
import { desiredObject } from './retain.js';

export type ApplyOutcome =
  | { ok: true; object: KubeObject; action: 'created' | 'updated' | 'unchanged'; adopted: boolean }
  | {
      ok: false;
      clusterStatus: ClusterPropagationStatus;
      message: string;
      /** Worth retrying soon (transient), as opposed to waiting for the next resync or Work change. */
      retry: boolean;
      /** The member object, when there is one (its status is still reported). */
      object?: KubeObject;
    };

export interface ApplyOptions {
  retainReplicas?: boolean;
  /** The Work changed since the last successful apply: write even if the member looks covered. */
  force?: boolean;
}

/** The member's message for a failed call (its Status message when it sent one). */
export function memberMessage(e: unknown): string {
  if (isApiError(e)) return e.status?.message ?? e.message;
  return e instanceof Error ? e.message : String(e);
}

function transient(e: unknown): boolean {
  if (!isApiError(e)) return true; // network, timeout
  return e.code >= 500 || e.code === 429 || isConflict(e) || isNotFound(e);
}

export class Applier {
  constructor(
    private readonly client: KubeClient,
    private readonly discovery: Discovery,
  ) {}

  async objectPath(manifest: KubeObject): Promise<{ r: ResolvedResource; path: string; collection: string }> {
    const r = await this.discovery.resolve(String(manifest.apiVersion), String(manifest.kind));
    const ns = r.namespaced ? manifest.metadata.namespace : undefined;
    if (r.namespaced && !ns)
      throw new UnknownKindError(`${manifest.kind} is namespaced but the manifest has no namespace`);
    return {
      r,
      path: resourcePath(r, ns, String(manifest.metadata.name)),
      collection: resourcePath(r, ns),
    };
  }

  /** The member object, or undefined when it does not exist. */
  async get(manifest: KubeObject): Promise<KubeObject | undefined> {
    const { path } = await this.objectPath(manifest);
    return this.client.getIfExists(path);
  }

  async apply(manifest: KubeObject, opts: ApplyOptions = {}): Promise<ApplyOutcome> {
    let loc: Awaited<ReturnType<Applier['objectPath']>>;
    try {
      loc = await this.objectPath(manifest);
    } catch (e) {
      return { ok: false, clusterStatus: 'CreationFailed', message: memberMessage(e), retry: transient(e) };
    }
    let member: KubeObject | undefined;
    try {
      member = await this.client.getIfExists(loc.path);
    } catch (e) {
      return { ok: false, clusterStatus: 'UpdateFailed', message: memberMessage(e), retry: true };
    }
    if (!member) {
      const created = await this.create(manifest, loc, opts);
      if (created !== 'exists') return created;
      try {
        member = await this.client.getIfExists(loc.path);
      } catch (e) {
        return { ok: false, clusterStatus: 'UpdateFailed', message: memberMessage(e), retry: true };
      }
      if (!member)
        return {
          ok: false,
          clusterStatus: 'CreationFailed',
          message: 'object vanished during adoption',
          retry: true,
        };
    }
    return this.update(manifest, member, loc, opts);
  }

  private async create(
    manifest: KubeObject,
    loc: { r: ResolvedResource; collection: string },
    opts: ApplyOptions,
  ): Promise<ApplyOutcome | 'exists'> {
    const ns = loc.r.namespaced ? manifest.metadata.namespace : undefined;
    try {
      if (ns) await this.ensureNamespace(ns);
      const object = await this.client.create(loc.collection, desiredObject(manifest, undefined, opts));
      return { ok: true, object, action: 'created', adopted: false };
    } catch (e) {
      if (isAlreadyExists(e)) return 'exists';
      return { ok: false, clusterStatus: 'CreationFailed', message: memberMessage(e), retry: transient(e) };
    }
  }

  private async update(
    manifest: KubeObject,
    member: KubeObject,
    loc: { path: string },
    opts: ApplyOptions,
  ): Promise<ApplyOutcome> {
    const decision = decideExisting(member);
    if (decision.action === 'leave')
      return {
        ok: false,
        clusterStatus: decision.clusterStatus,
        message: decision.message,
        retry: false,
        object: member,
      };
    if (decision.action === 'wait')
      return {
        ok: false,
        clusterStatus: 'UpdateFailed',
        message: decision.message,
        retry: true,
        object: member,
      };
    const desired = desiredObject(manifest, member, opts);
    if (!opts.force && !decision.adopt && !needsUpdate(desired, member))
      return { ok: true, object: member, action: 'unchanged', adopted: false };
    try {
      const object = await this.client.update(loc.path, desired);
      return { ok: true, object, action: 'updated', adopted: decision.adopt };
    } catch (e) {
      return {
        ok: false,
        clusterStatus: 'UpdateFailed',
        message: memberMessage(e),
        retry: transient(e),
        object: member,
      };
    }
  }

  /** Creates the namespace, labelled managed, when the member does not have it. */
  private async ensureNamespace(ns: string): Promise<void> {
    if (await this.client.getIfExists(`/api/v1/namespaces/${encodeURIComponent(ns)}`)) return;
    try {
      await this.client.create('/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns, labels: { [MANAGED_LABEL]: 'true' } },
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }

  /**
   * Deletes the member object if it is ours (managed label "true"); answers true once it is gone
   * (GET 404), false while it still exists (finalizers in the member). An object the member opted
   * out of, or that someone took over (label removed), is left and counts as gone.
   */
  async delete(manifest: KubeObject): Promise<boolean> {
    let loc: { path: string };
    try {
      loc = await this.objectPath(manifest);
    } catch (e) {
      if (e instanceof UnknownKindError) return true; // the member does not even serve the kind
      throw e;
    }
    const member = await this.client.getIfExists(loc.path);
    if (!member) return true;
    if (member.metadata.labels?.[MANAGED_LABEL] !== 'true') return true;
    if (!member.metadata.deletionTimestamp) {
      await this.client
        .delete(loc.path, {
          propagationPolicy: 'Background',
          preconditions: member.metadata.uid ? { uid: member.metadata.uid } : undefined,
        })
        .catch((e: unknown) => {
          if (!isNotFound(e) && !isConflict(e)) throw e;
        });
    }
    return (await this.client.getIfExists(loc.path)) === undefined;
  }

  /** Leaves the member object but removes the managed label (kubefed's orphan). */
  async orphan(manifest: KubeObject): Promise<void> {
    let loc: { path: string };
    try {
      loc = await this.objectPath(manifest);
    } catch (e) {
      if (e instanceof UnknownKindError) return;
      throw e;
    }
    const member = await this.client.getIfExists(loc.path);
    if (!member || member.metadata.labels?.[MANAGED_LABEL] === undefined) return;
    if (member.metadata.labels[MANAGED_LABEL] === 'false') return;
    await this.client
      .mergePatch(loc.path, { metadata: { labels: { [MANAGED_LABEL]: null } } })
      .catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
  }
}
