/**
 * The default policy at start (kube's RBAC bootstrap reconciler) and the clusterrole-aggregation
 * controller: an aggregated ClusterRole's rules follow the ClusterRoles its selectors match, so a
 * ClusterRole labelled aggregate-to-edit takes effect for everyone bound to `edit` without a restart.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../errors.js';
import type { ResourceRegistry } from '../../registry/registry.js';
import { SYSTEM_USER, newContext } from '../../rest/context.js';
import type { ObjectStorage, WriteOptions } from '../../rest/storage.js';
import type { KubeObject } from '../../../api/kubernetes.js';
import { AUTOUPDATE_ANNOTATION, defaultClusterRoleBindings, defaultClusterRoles } from './bootstrap.js';
import type { RbacIndex } from './index.js';
import { aggregatedRules, sameRules } from './rules.js';

const WRITE: WriteOptions = { dryRun: false, fieldManager: 'edgefed-rbac', fieldValidation: 'Ignore' };

export class RbacController {
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly index: RbacIndex,
    private readonly storage: ObjectStorage,
    private readonly registry: ResourceRegistry,
    private readonly log: Logger,
  ) {}

  /** Creates missing default roles and bindings; refreshes those still marked autoupdate. */
  async bootstrap(): Promise<void> {
    for (const obj of defaultClusterRoles()) await this.ensure('clusterroles', obj);
    for (const obj of defaultClusterRoleBindings()) await this.ensure('clusterrolebindings', obj);
  }

  start(): void {
    this.index.on('clusterroles', this.schedule);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.index.off('clusterroles', this.schedule);
  }

  private readonly schedule = (): void => {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.aggregate().catch((e: unknown) => {
        // A concurrent writer (another replica) won: the watch brings its write and we run again.
        if (!(e instanceof ApiError && e.code === 409))
          this.log.warn({ err: (e as Error).message }, 'clusterrole aggregation failed');
        setTimeout(this.schedule, 500).unref();
      });
    });
  };

  private async aggregate(): Promise<void> {
    const all = [...this.index.clusterRoles.values()];
    const r = this.resolve('clusterroles');
    for (const role of all) {
      if (!role.aggregationRule) continue;
      const want = aggregatedRules(role, all);
      if (sameRules(role.rules, want)) continue;
      const cur = await this.storage.get(r.info, r.version, undefined, role.name);
      await this.storage.update(
        newContext(SYSTEM_USER),
        r.info,
        r.version,
        undefined,
        role.name,
        { ...cur, rules: want },
        WRITE,
      );
      this.log.info({ clusterrole: role.name, rules: want.length }, 'aggregated clusterrole updated');
    }
  }

  private resolve(resource: string) {
    const r = this.registry.resolve('rbac.authorization.k8s.io', 'v1', resource);
    if (!r) throw new Error(`rbac.authorization.k8s.io/v1 ${resource} is not served`);
    return r;
  }

  private async ensure(resource: string, want: KubeObject): Promise<void> {
    const r = this.resolve(resource);
    const name = String(want.metadata.name);
    const ctx = newContext(SYSTEM_USER);
    const cur = await this.storage.get(r.info, r.version, undefined, name).catch((e: unknown) => {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    });
    if (!cur) {
      await this.storage.create(ctx, r.info, r.version, undefined, want, WRITE).catch((e: unknown) => {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
      });
      return;
    }
    if (cur.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return;
    // Aggregated roles' rules belong to the aggregation controller: only the rule selecting them is ours.
    const next: KubeObject = want.aggregationRule ? { ...want, rules: cur.rules ?? [] } : want;
    const keys = ['rules', 'aggregationRule', 'roleRef', 'subjects'];
    const differs =
      keys.some((k) => JSON.stringify(cur[k]) !== JSON.stringify(next[k])) ||
      JSON.stringify(cur.metadata.labels) !== JSON.stringify(next.metadata.labels);
    if (!differs) return;
    await this.storage.update(
      ctx,
      r.info,
      r.version,
      undefined,
      name,
      { ...next, metadata: { ...cur.metadata, labels: next.metadata.labels } },
      WRITE,
    );
  }
}
