/**
 * Store-backed allocation of Service cluster IPs and node ports, shared by every API server on the
 * same store (hub replicas on one etcd). One record per allocated value, written with create (so
 * two servers racing for one value cannot both win), naming the Service that holds it — the shape
 * of kube's IPAddress objects. Records are not removed when a Service goes: a record whose Service
 * no longer exists (or no longer uses the value) is reclaimed when someone asks for the value, as
 * kube's repair loop would have freed it. A record younger than CLAIM_GRACE_MS is held even without
 * its Service, because the Service is written just after its record.
 */
import { StoreError, type Store } from '../storage/store.js';
import type { KubeObject } from '../../api/kubernetes.js';

export const CLAIM_GRACE_MS = 15_000;
const PREFIX = '/registry/edgefed.io/allocations/';

export type AllocationKind = 'serviceips' | 'servicenodeports';

export interface AllocationOwner {
  namespace: string;
  name: string;
  uid: string;
}

export interface AllocationRecord extends KubeObject {
  owner: AllocationOwner;
  claimedAt: number;
}

export function allocationKey(kind: AllocationKind, value: string | number): string {
  return `${PREFIX}${kind}/${value}`;
}

/** Whether a stored Service still uses the value (a released value may be reclaimed). */
export type StillHolds = (service: KubeObject, value: string) => boolean;

/** A pure decision: may `owner` take over the value recorded in `rec`? */
export function mayReclaim(
  rec: AllocationRecord,
  owner: AllocationOwner,
  holder: KubeObject | undefined,
  stillHolds: (service: KubeObject) => boolean,
  nowMs: number,
): boolean {
  // The same Service (updated, or deleted and created again under its name) keeps what it had.
  if (rec.owner.namespace === owner.namespace && rec.owner.name === owner.name) return true;
  if (holder && holder.metadata.uid === rec.owner.uid && stillHolds(holder)) return false;
  return !holder && nowMs - rec.claimedAt < CLAIM_GRACE_MS ? false : true;
}

export class ServiceAllocator {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  private serviceKey(o: AllocationOwner): string {
    return `/registry/core/services/${o.namespace}/${o.name}`;
  }

  /**
   * Takes `value` for `owner` unless another Service holds it. `dryRun` only answers whether it
   * could. Answers false when taken.
   */
  async claim(
    kind: AllocationKind,
    value: string,
    owner: AllocationOwner,
    stillHolds: StillHolds,
    dryRun: boolean,
  ): Promise<boolean> {
    const key = allocationKey(kind, value);
    const record: AllocationRecord = {
      apiVersion: 'edgefed.io/v1',
      kind: 'Allocation',
      metadata: { name: `${kind}.${value}` },
      owner,
      claimedAt: this.now(),
    };
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await this.store.get(key);
      if (!cur) {
        if (dryRun) return true;
        try {
          await this.store.create(key, record);
          return true;
        } catch (e) {
          if (e instanceof StoreError && e.code === 'KeyExists') continue;
          throw e;
        }
      }
      const rec = cur.object as AllocationRecord;
      const holder = (await this.store.get(this.serviceKey(rec.owner)))?.object;
      if (!mayReclaim(rec, owner, holder, (s) => stillHolds(s, value), this.now())) return false;
      if (dryRun) return true;
      try {
        await this.store.update(key, record, cur.revision);
        return true;
      } catch (e) {
        if (e instanceof StoreError && (e.code === 'Conflict' || e.code === 'NotFound')) continue;
        throw e;
      }
    }
    return false;
  }

  /**
   * The first value of `candidates` (tried in order) that `owner` can claim; undefined when every
   * one is taken. Candidates are generated lazily so a /12 is not materialised.
   */
  async claimAny(
    kind: AllocationKind,
    candidates: Iterable<string>,
    owner: AllocationOwner,
    stillHolds: StillHolds,
    dryRun: boolean,
  ): Promise<string | undefined> {
    for (const c of candidates) {
      if (await this.claim(kind, c, owner, stillHolds, dryRun)) return c;
    }
    return undefined;
  }
}

/** Offsets first..first+count-1, starting at a random one and wrapping, each once. */
export function* scanFrom<T>(
  first: number,
  count: number,
  start: number,
  map: (offset: number) => T,
): Generator<T> {
  for (let i = 0; i < count; i++) yield map(first + ((start + i) % count));
}
