import { isRecoverableError } from 'etcd3';
import { StoreError } from '../store.js';

export class MemberDownError extends Error {
  constructor() {
    super('etcd member set aside after failing to answer');
    this.name = 'MemberDownError';
  }
}

const NEVER_ABORTED = new AbortController().signal;

/**
 * etcd3's per-member fault policy: a member that could not be reached (refused, dropped, timed out)
 * is set aside for a while, so requests and the watch go to members that answer; etcd's own errors
 * (leader changed, conflicts) say nothing against the member. When every member is set aside, all
 * are tried again rather than none. With asideMs 0 it never sets aside.
 */
export class MemberGate {
  readonly _altReturn = undefined as never;
  readonly onSuccess = () => ({ dispose: () => {} });
  readonly onFailure = () => ({ dispose: () => {} });
  private downUntil = 0;

  constructor(
    private readonly members: MemberGate[],
    private readonly asideMs = 1_000,
  ) {
    members.push(this);
  }

  private down(now: number): boolean {
    return now < this.downUntil;
  }

  async execute<T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> {
    const now = Date.now();
    if (this.down(now) && this.members.some((m) => !m.down(now))) throw new MemberDownError();
    try {
      return await fn({ signal: NEVER_ABORTED });
    } catch (e) {
      const m = String(e);
      if (this.asideMs > 0 && !m.includes('etcdserver:') && /UNAVAILABLE|DEADLINE_EXCEEDED/i.test(m)) {
        this.downUntil = Date.now() + this.asideMs;
      }
      throw e;
    }
  }
}

/**
 * etcd's errors as the Store's where the contract names them. etcd3 retries an unavailable member
 * on another at once, a few times: not long enough to outlast the election after the leader died,
 * so transient failures are retried here with a backoff, within the request timeout.
 */
export async function callWithRetry<T>(
  fn: () => Promise<T>,
  requestTimeoutMs: number,
  isClosed: () => boolean,
): Promise<T> {
  // Room for one attempt to time out on a hung member and another to succeed elsewhere.
  const deadline = Date.now() + 2 * requestTimeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      return await fn();
    } catch (e) {
      if (isClosed()) throw new StoreError('Closed', 'store is closed');
      if (/required revision has been compacted/.test(String(e))) {
        throw new StoreError('Compacted', 'the requested revision has been compacted');
      }
      const transient = e instanceof MemberDownError || (e instanceof Error && isRecoverableError(e));
      if (!transient || Date.now() + delay > deadline) throw e;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
