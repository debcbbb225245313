/**
 * Kube's serviceaccount controller: every active namespace has a `default` ServiceAccount, created
 * when the namespace appears and re-created if deleted.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../errors.js';
import type { ResourceRegistry } from '../../registry/registry.js';
import { SYSTEM_USER, newContext } from '../../rest/context.js';
import type { ObjectStorage } from '../../rest/storage.js';
import { followPrefix, type Follower } from '../../storage/follow.js';
import type { ServiceAccountTokens } from './tokens.js';

const NS_PREFIX = '/registry/core/namespaces/';
const DEFAULT = 'default';

/** Namespaces that need a default ServiceAccount: active ones without it. */
export function missingDefaults(
  namespaces: ReadonlyMap<string, boolean>,
  hasAccount: (ns: string) => boolean,
): string[] {
  return [...namespaces].filter(([ns, active]) => active && !hasAccount(ns)).map(([ns]) => ns);
}

export class DefaultServiceAccounts {
  /** name → active (not terminating) */
  private readonly namespaces = new Map<string, boolean>();
  private follower: Follower | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly storage: ObjectStorage,
    private readonly registry: ResourceRegistry,
    private readonly tokens: ServiceAccountTokens,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.follower = await followPrefix(this.storage.store, NS_PREFIX, {
      reset: (items) => {
        this.namespaces.clear();
        for (const it of items)
          this.namespaces.set(String(it.object.metadata.name), !it.object.metadata.deletionTimestamp);
        this.schedule(0);
      },
      event: (ev) => {
        const name = String(ev.object.metadata.name);
        if (ev.type === 'DELETED') this.namespaces.delete(name);
        else this.namespaces.set(name, !ev.object.metadata.deletionTimestamp);
        this.schedule(0);
      },
    });
    await this.sync();
  }

  stop(): void {
    this.follower?.stop();
    if (this.timer) clearTimeout(this.timer);
  }

  /** A deleted default ServiceAccount comes back (the token view tells us it is gone). */
  accountDeleted(namespace: string, name: string): void {
    if (name === DEFAULT) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, ms);
    this.timer.unref();
  }

  private async sync(): Promise<void> {
    if (this.running) return this.schedule(50);
    this.running = true;
    try {
      const r = this.registry.resolve('', 'v1', 'serviceaccounts');
      if (!r) return;
      for (const ns of missingDefaults(
        this.namespaces,
        (n) => this.tokens.accountUid(n, DEFAULT) !== undefined,
      )) {
        await this.storage
          .create(
            newContext(SYSTEM_USER),
            r.info,
            r.version,
            ns,
            { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT, namespace: ns } },
            { dryRun: false, fieldManager: 'edgefed-serviceaccounts', fieldValidation: 'Ignore' },
          )
          .catch((e: unknown) => {
            // Exists already (another replica), or the namespace began terminating meanwhile.
            if (e instanceof ApiError && (e.code === 409 || e.code === 403 || e.code === 404)) return;
            throw e;
          });
      }
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'default serviceaccount sync failed; retrying');
      this.schedule(1000);
    } finally {
      this.running = false;
    }
  }
}
