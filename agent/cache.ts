/**
 * The agent's local Work cache (SQLite, WAL): what lets the member keep its workloads while the hub
 * is unreachable, across agent restarts. A Work is stored before it is applied, and removed only
 * after its member object is gone (or deliberately orphaned), so a crash at any point leaves the
 * cache describing at least everything the member may hold.
 *
 * synchronous=FULL: a cache write acknowledged before an apply must survive a power cut, otherwise
 * a rebooted edge node could hold an object its cache forgot (and never clean it up).
 */
import Database from 'better-sqlite3';
import type { Work } from '../api/federation.js';

export interface CachedWork {
  work: Work;
  resourceVersion: string;
  /** Hash of what was last applied successfully to the member (see apply/compare.ts), if anything. */
  appliedHash?: string;
}

interface Row {
  name: string;
  json: string;
  resource_version: string;
  applied_hash: string | null;
}

export class WorkCache {
  private readonly db: Database.Database;
  private readonly stmts: {
    get: Database.Statement<[string], Row>;
    all: Database.Statement<[], Row>;
    put: Database.Statement<[string, string, string]>;
    applied: Database.Statement<[string | null, string]>;
    del: Database.Statement<[string]>;
    getMeta: Database.Statement<[string], { v: string }>;
    putMeta: Database.Statement<[string, string]>;
  };

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // The agent is the only writer; still, never fail with "database is locked" on a slow disk.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS works (
        name TEXT PRIMARY KEY,
        json TEXT NOT NULL,
        resource_version TEXT NOT NULL,
        applied_hash TEXT
      );
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
    `);
    this.stmts = {
      get: this.db.prepare('SELECT name, json, resource_version, applied_hash FROM works WHERE name = ?'),
      all: this.db.prepare('SELECT name, json, resource_version, applied_hash FROM works ORDER BY name'),
      // Keeps applied_hash: a new Work version does not change what the member holds.
      put: this.db.prepare(
        `INSERT INTO works (name, json, resource_version) VALUES (?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET json = excluded.json, resource_version = excluded.resource_version`,
      ),
      applied: this.db.prepare('UPDATE works SET applied_hash = ? WHERE name = ?'),
      del: this.db.prepare('DELETE FROM works WHERE name = ?'),
      getMeta: this.db.prepare('SELECT v FROM meta WHERE k = ?'),
      putMeta: this.db.prepare(
        'INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v',
      ),
    };
  }

  put(work: Work): void {
    this.stmts.put.run(
      String(work.metadata.name),
      JSON.stringify(work),
      String(work.metadata.resourceVersion ?? ''),
    );
  }

  get(name: string): CachedWork | undefined {
    const row = this.stmts.get.get(name);
    return row ? fromRow(row) : undefined;
  }

  list(): CachedWork[] {
    return this.stmts.all.all().map(fromRow);
  }

  names(): string[] {
    return this.stmts.all.all().map((r) => r.name);
  }

  setApplied(name: string, hash: string | undefined): void {
    this.stmts.applied.run(hash ?? null, name);
  }

  delete(name: string): void {
    this.stmts.del.run(name);
  }

  getMeta(k: string): string | undefined {
    return this.stmts.getMeta.get(k)?.v;
  }

  setMeta(k: string, v: string): void {
    this.stmts.putMeta.run(k, v);
  }

  close(): void {
    this.db.close();
  }
}

function fromRow(r: Row): CachedWork {
  return {
    work: JSON.parse(r.json) as Work,
    resourceVersion: r.resource_version,
    ...(r.applied_hash ? { appliedHash: r.applied_hash } : {}),
  };
}
