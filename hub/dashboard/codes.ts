import { createHash, randomBytes } from 'node:crypto';

/**
 * One-time sign-in codes for the dashboard: `edgefed dashboard` hands the hub a bearer token and
 * gets a short random code back, which it prints in a URL fragment (#code=…: fragments are neither
 * sent to servers nor logged). The page trades the code for the token once. A code is single-use
 * and expires, so a URL left in a terminal scrollback or shell history is worthless soon after.
 * Codes are kept by their sha256, so the map never holds a usable code.
 */
export interface CodeEntry {
  token: string;
  expiresAt: number;
}

export type Redeemed = { token: string } | { error: 'unknown' | 'expired' };

export class OneTimeCodes {
  private readonly entries = new Map<string, CodeEntry>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 1000,
  ) {}

  /** A new code for the token; the oldest entries go first once the table is full. */
  issue(token: string): { code: string; expiresAt: Date } {
    this.sweep();
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    const code = randomBytes(24).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    this.entries.set(digest(code), { token, expiresAt });
    return { code, expiresAt: new Date(expiresAt) };
  }

  /** The token for a code, once: the entry is gone whatever the outcome. */
  redeem(code: string): Redeemed {
    const key = digest(code);
    const entry = this.entries.get(key);
    if (!entry) return { error: 'unknown' };
    this.entries.delete(key);
    if (this.now() >= entry.expiresAt) return { error: 'expired' };
    return { token: entry.token };
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.entries) if (t >= e.expiresAt) this.entries.delete(k);
  }
}

/** The map key: a hash, compared by Map lookup (constant for equal-length keys of random codes). */
function digest(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}
