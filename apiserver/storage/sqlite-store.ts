import Database from 'better-sqlite3';
import type { KubeObject } from '../../api/kubernetes.js';
import {
  StoreError,
  type ListOptions,
  type ListResult,
  type Store,
  type StoreEvent,
  type StoreListener,
  type StoredObject,
  type WatchHandle,
} from './store.js';
import { WatchFanout, keyMatchesPrefix, prefixEnd } from './watch-fanout.js';

interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
}

type Op =
  | { kind: 'create'; key: string; object: KubeObject }
  | { kind: 'update'; key: string; object: KubeObject; expected: number }
  | { kind: 'delete'; key: string; expected?: number };

interface Pending {
  op: Op;
  resolve: (v: StoredObject) => void;
  reject: (e: Error) => void;
}

export interface SqliteStoreOptions {
  /** Path of the database file; ':memory:' for tests. */
  path: string;
  /**
   * 'FULL' fsyncs the WAL at every commit, so an acknowledged write survives power loss, not only
   * kill -9. Writes arriving together share one commit (group commit), which keeps this affordable.
   */
  synchronous?: 'FULL' | 'NORMAL';
}

/**
 * kine's proven shape on SQLite: one append-only table whose row id is the global revision,
 * tombstone rows for deletes, a UNIQUE (name, prev_revision) index as the last line of defence for
 * compare-and-swap, plus a `current` index table so reads of the latest state do not scan history.
 * better-sqlite3 is synchronous, so a batch is committed, dispatched to watchers and acknowledged
 * without any other request interleaving.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly fanout = new WatchFanout();
  private rev: number;
  private compacted: number;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly stmts;

  constructor(opts: SqliteStoreOptions) {
    this.db = new Database(opts.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS kv (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created INTEGER NOT NULL,
        deleted INTEGER NOT NULL,
        create_revision INTEGER NOT NULL,
        prev_revision INTEGER NOT NULL,
        value TEXT NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS kv_name_prev ON kv (name, prev_revision);
      CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
      CREATE TABLE IF NOT EXISTS current (name TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
    `);
    const integrity = this.db.pragma('quick_check', { simple: true });
    if (integrity !== 'ok')
      throw new Error(`database ${opts.path} failed its integrity check: ${String(integrity)}`);
    this.stmts = {
      latest: this.db.prepare<[string], Row>('SELECT * FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1'),
      current: this.db.prepare<[string], Row>(
        'SELECT kv.* FROM current JOIN kv ON kv.id = current.id WHERE current.name = ?',
      ),
      insert: this.db.prepare(
        'INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      setCurrent: this.db.prepare('INSERT OR REPLACE INTO current (name, id) VALUES (?, ?)'),
      delCurrent: this.db.prepare('DELETE FROM current WHERE name = ?'),
      listCurrent: this.db.prepare<[string, string, number], Row>(
        `SELECT kv.* FROM current JOIN kv ON kv.id = current.id
         WHERE current.name > ? AND current.name < ? ORDER BY current.name LIMIT ?`,
      ),
      listAt: this.db.prepare<[string, string, number, number], Row>(
        `SELECT kv.* FROM kv WHERE kv.id IN (
           SELECT MAX(id) FROM kv WHERE name > ? AND name < ? AND id <= ? GROUP BY name
         ) AND kv.deleted = 0 ORDER BY kv.name LIMIT ?`,
      ),
      count: this.db.prepare<[string, string], { n: number }>(
        'SELECT COUNT(*) AS n FROM current WHERE name >= ? AND name < ?',
      ),
      history: this.db.prepare<[number, string, string], Row>(
        'SELECT * FROM kv WHERE id > ? AND name >= ? AND name < ? ORDER BY id',
      ),
      historyKey: this.db.prepare<[number, string], Row>(
        'SELECT * FROM kv WHERE id > ? AND name = ? ORDER BY id',
      ),
      byId: this.db.prepare<[number], { value: string }>('SELECT value FROM kv WHERE id = ?'),
      maxId: this.db.prepare<[], { m: number | null }>('SELECT MAX(id) AS m FROM kv'),
      getMeta: this.db.prepare<[string], { v: number }>('SELECT v FROM meta WHERE k = ?'),
      setMeta: this.db.prepare('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)'),
    };
    this.compacted = this.stmts.getMeta.get('compact_rev')?.v ?? 0;
    this.rev = Math.max(this.stmts.maxId.get()?.m ?? 0, this.compacted);
  }

  currentRevision(): number {
    return this.rev;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    this.assertOpen();
    const row = this.stmts.current.get(key);
    return row ? toStored(row) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const start =
      opts.startAfter !== undefined && opts.startAfter >= prefix ? opts.startAfter : prefix.slice(0, -1);
    const end = prefixEnd(prefix);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const fetch = limit > 0 ? limit + 1 : -1;
    let rows: Row[];
    let revision = this.rev;
    if (opts.atRevision !== undefined && opts.atRevision < this.rev) {
      if (opts.atRevision < this.compacted) {
        throw new StoreError('Compacted', `revision ${opts.atRevision} has been compacted`);
      }
      revision = opts.atRevision;
      rows = this.stmts.listAt.all(start, end, revision, fetch);
    } else {
      rows = this.stmts.listCurrent.all(start, end, fetch);
    }
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    return { items: rows.map(toStored), revision, more };
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    return this.stmts.count.get(prefix, prefixEnd(prefix))?.n ?? 0;
  }

  create(key: string, object: KubeObject): Promise<StoredObject> {
    return this.enqueue({ kind: 'create', key, object });
  }

  update(key: string, object: KubeObject, expectedRevision: number): Promise<StoredObject> {
    return this.enqueue({ kind: 'update', key, object, expected: expectedRevision });
  }

  delete(key: string, expectedRevision?: number): Promise<StoredObject> {
    return this.enqueue({ kind: 'delete', key, expected: expectedRevision });
  }

  watch(prefix: string, afterRevision: number, listener: StoreListener): WatchHandle {
    this.assertOpen();
    if (afterRevision < this.compacted) {
      throw new StoreError('Compacted', `too old resource version: ${afterRevision} (${this.compacted})`);
    }
    // Replay and registration happen in one synchronous step: no write can slip between them.
    if (afterRevision < this.rev) {
      const rows = prefix.endsWith('/')
        ? this.stmts.history.all(afterRevision, prefix, prefixEnd(prefix))
        : this.stmts.historyKey.all(afterRevision, prefix);
      for (const row of rows) listener(this.eventFromRow(row));
    }
    const remove = this.fanout.add(prefix, listener);
    return { stop: remove };
  }

  watcherCount(): number {
    return this.fanout.size();
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    const target = Math.min(revision, this.rev - 1);
    if (target <= this.compacted) return;
    this.db.transaction(() => {
      // Superseded rows: some later row (within the target) names them as its predecessor.
      this.db
        .prepare(
          `DELETE FROM kv WHERE id IN (SELECT prev_revision FROM kv WHERE id <= ? AND prev_revision > 0)`,
        )
        .run(target);
      this.db.prepare('DELETE FROM kv WHERE deleted = 1 AND id <= ?').run(target);
      this.stmts.setMeta.run('compact_rev', target);
    })();
    this.compacted = target;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('Closed', 'store is closed');
  }

  private enqueue(op: Op): Promise<StoredObject> {
    if (this.closed) return Promise.reject(new StoreError('Closed', 'store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // Let every request that arrived in this turn of the event loop join the same commit.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits all queued writes in one transaction, then notifies watchers, then the writers. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const outcomes: ({ ok: StoredObject; event: StoreEvent } | { err: Error })[] = [];
    const startRev = this.rev;
    try {
      this.db.transaction(() => {
        for (const p of batch) outcomes.push(this.apply(p.op));
      })();
    } catch (e) {
      this.rev = startRev;
      const err = e instanceof Error ? e : new Error(String(e));
      for (const p of batch) p.reject(err);
      return;
    }
    for (const o of outcomes) if ('event' in o) this.fanout.dispatch(o.event);
    outcomes.forEach((o, i) => ('ok' in o ? batch[i].resolve(o.ok) : batch[i].reject(o.err)));
  }

  /** Runs inside the batch transaction; logical failures are returned, not thrown. */
  private apply(op: Op): { ok: StoredObject; event: StoreEvent } | { err: Error } {
    const cur = op.kind === 'create' ? this.stmts.latest.get(op.key) : this.stmts.current.get(op.key);
    if (op.kind === 'create') {
      if (cur && !cur.deleted) {
        return { err: new StoreError('KeyExists', `key ${op.key} already exists`, toStored(cur)) };
      }
      const id = ++this.rev;
      const object = stamp(op.object, id);
      const json = JSON.stringify(object);
      this.stmts.insert.run(id, op.key, 1, 0, id, cur?.id ?? 0, json);
      this.stmts.setCurrent.run(op.key, id);
      const stored = { key: op.key, object, revision: id, createRevision: id };
      return {
        ok: stored,
        event: { type: 'ADDED', key: op.key, revision: id, object, json, previous: () => undefined },
      };
    }
    if (!cur) return { err: new StoreError('NotFound', `key ${op.key} not found`) };
    if (op.expected !== undefined && op.expected !== cur.id) {
      return { err: new StoreError('Conflict', `key ${op.key} is at revision ${cur.id}`, toStored(cur)) };
    }
    const id = ++this.rev;
    const prevJson = cur.value;
    const previous = lazyParse(prevJson);
    if (op.kind === 'update') {
      const object = stamp(op.object, id);
      const json = JSON.stringify(object);
      this.stmts.insert.run(id, op.key, 0, 0, cur.create_revision, cur.id, json);
      this.stmts.setCurrent.run(op.key, id);
      const stored = { key: op.key, object, revision: id, createRevision: cur.create_revision };
      return { ok: stored, event: { type: 'MODIFIED', key: op.key, revision: id, object, json, previous } };
    }
    const last = stamp(JSON.parse(prevJson) as KubeObject, id);
    const json = JSON.stringify(last);
    this.stmts.insert.run(id, op.key, 0, 1, cur.create_revision, cur.id, json);
    this.stmts.delCurrent.run(op.key);
    const stored = { key: op.key, object: last, revision: id, createRevision: cur.create_revision };
    return {
      ok: stored,
      event: { type: 'DELETED', key: op.key, revision: id, object: last, json, previous },
    };
  }

  private eventFromRow(row: Row): StoreEvent {
    const object = JSON.parse(row.value) as KubeObject;
    const type = row.deleted ? 'DELETED' : row.created ? 'ADDED' : 'MODIFIED';
    const prevId = row.prev_revision;
    const byId = this.stmts.byId;
    let cached: KubeObject | undefined | null = null;
    return {
      type,
      key: row.name,
      revision: row.id,
      object,
      json: row.value,
      previous: () => {
        if (cached !== null) return cached;
        const prev = type === 'ADDED' || prevId === 0 ? undefined : byId.get(prevId);
        cached = prev ? (JSON.parse(prev.value) as KubeObject) : undefined;
        return cached;
      },
    };
  }
}

function stamp(object: KubeObject, revision: number): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}

function toStored(row: Row): StoredObject {
  return {
    key: row.name,
    object: JSON.parse(row.value) as KubeObject,
    revision: row.id,
    createRevision: row.create_revision,
  };
}

function lazyParse(json: string): () => KubeObject {
  let parsed: KubeObject | undefined;
  return () => (parsed ??= JSON.parse(json) as KubeObject);
}

export { keyMatchesPrefix };
