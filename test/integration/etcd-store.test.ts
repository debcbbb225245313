import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { EtcdStore } from '../../apiserver/storage/etcd-store.js';
import { StoreError, type StoreEvent } from '../../apiserver/storage/store.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { ETCD_MISSING, startEtcd, type EtcdCluster } from '../helpers/etcd.js';
import { describeStoreConformance } from '../unit/apiserver/storage/store-conformance.js';

const cm = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns' },
});

/** Numbers the prefixes: tests sharing an etcd share no keys. */
let n = 0;

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('EtcdStore on a real etcd', function () {
  this.timeout(60_000);
  let etcd: EtcdCluster;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });

  // A prefix per test: they share one etcd (and its revision counter) but no keys.
  describeStoreConformance('etcd', () =>
    EtcdStore.open({ endpoints: etcd.endpoints, prefix: `/conformance-${++n}` }),
  );

  it('keeps each object as its JSON under /registry, visible to etcdctl', async () => {
    const store = await EtcdStore.open({ endpoints: etcd.endpoints });
    try {
      const a = await store.create('/core/configmaps/ns/a', cm('a'));
      const out = execFileSync(
        'etcdctl',
        ['--endpoints', etcd.endpoints[0], 'get', '/registry/core/configmaps/ns/a', '--print-value-only'],
        { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } },
      );
      const stored = JSON.parse(out) as KubeObject;
      assert.equal(stored.metadata.name, 'a');
      assert.equal(
        stored.metadata.resourceVersion,
        undefined,
        'the revision is etcd mod_revision, not stored',
      );
      assert.equal(
        (await store.get('/core/configmaps/ns/a'))?.object.metadata.resourceVersion,
        String(a.revision),
      );
    } finally {
      await store.close();
    }
  });

  it('catches currentRevision() up with a read that saw writes outside its prefix', async () => {
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: `/foreign-${++n}` });
    const other = new Etcd3({ hosts: etcd.endpoints });
    try {
      await other.put('/somebody-else/x').value('1');
      const page = await store.list('/r/');
      assert.ok(page.revision > store.currentRevision(), 'no event of this prefix carries that revision');
      // A client watching from the list's revision must not wait for an event that never comes.
      await until(
        'currentRevision() to reach the read',
        () => store.currentRevision() >= page.revision,
        2_000,
      );
    } finally {
      other.close();
      await store.close();
    }
  });

  it('answers Compacted for snapshot lists and watches older than a compaction', async () => {
    const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix: `/compact-${++n}` });
    try {
      const a = await store.create('/r/a', cm('a'));
      const b = await store.update('/r/a', cm('a'), a.revision);
      await store.create('/r/b', cm('b'));
      await store.compact(b.revision);
      assert.equal(store.compactedRevision(), b.revision);
      await assert.rejects(
        store.list('/r/', { atRevision: a.revision }),
        (e: StoreError) => e.code === 'Compacted',
      );
      assert.throws(
        () => store.watch('/r/', a.revision, () => {}),
        (e: StoreError) => e.code === 'Compacted',
      );
      assert.equal((await store.list('/r/', { atRevision: b.revision })).items.length, 1);
    } finally {
      await store.close();
    }
  });

  it('ends every watcher with Compacted when its resume revision was compacted during an outage', async () => {
    const prefix = `/outage-${++n}`;
    // A slow first retry leaves time to write and compact behind the store's back.
    const store = await EtcdStore.open({
      endpoints: etcd.endpoints,
      prefix,
      watchRetry: { initialMs: 3_000, maxMs: 3_000 },
    });
    const other = new Etcd3({ hosts: etcd.endpoints });
    try {
      await store.create('/r/a', cm('a'));
      const seen: string[] = [];
      const errors: StoreError[] = [];
      store.watch(
        '/r/',
        store.currentRevision(),
        (e) => seen.push(e.key),
        (e) => errors.push(e),
      );
      await etcd.restart(0);
      await other.put(`${prefix}/r/lost`).value(JSON.stringify(cm('lost')));
      const rev = Number((await other.get(`${prefix}/r/lost`).exec()).header.revision);
      await other.put(`${prefix}/r/after`).value(JSON.stringify(cm('after')));
      await other.kv.compact({ revision: rev + 1 });
      await until('the watcher to end with Compacted', () => errors.length > 0);
      assert.equal(errors[0].code, 'Compacted');
      assert.deepEqual(seen, [], 'the lost event must not be papered over');
      // Watching again from the compaction on works: the client relists and resumes.
      const again: string[] = [];
      store.watch('/r/', store.compactedRevision(), (e) => again.push(e.key));
      await store.create('/r/c', cm('c'));
      assert.deepEqual(again, ['/r/c']);
    } finally {
      other.close();
      await store.close();
    }
  });
});

describe('EtcdStore on a 3-member etcd cluster', function () {
  this.timeout(120_000);
  let etcd: EtcdCluster;
  before(async () => {
    etcd = await startEtcd({ members: 3 });
  });
  after(async () => {
    await etcd?.stop();
  });

  it('keeps serving creates and watches with a member down; the watch survives every member restarting', async () => {
    const store = await EtcdStore.open({ endpoints: etcd.endpoints });
    const other = new Etcd3({ hosts: etcd.endpoints });
    try {
      const seen: StoreEvent[] = [];
      store.watch('/r/', store.currentRevision(), (e) => seen.push(e));
      const written: number[] = [];
      const writeSome = async (tag: string): Promise<void> => {
        for (let i = 0; i < 10; i++)
          written.push((await store.create(`/r/${tag}-${i}`, cm(`${tag}-${i}`))).revision);
      };
      // Each member goes down once, so the one carrying the store's watch certainly does.
      for (let m = 0; m < 3; m++) {
        await etcd.kill(m);
        await writeSome(`down${m}`);
        // Written behind the store's back while its watch may be reconnecting.
        const put = await other.put(`/registry/r/other${m}`).value(JSON.stringify(cm(`other${m}`)));
        written.push(Number(put.header.revision));
        await etcd.restart(m);
        await writeSome(`up${m}`);
      }
      const expected = [...written].sort((x, y) => x - y);
      await until('every event', () => seen.length >= expected.length);
      assert.deepEqual(
        seen.map((e) => e.revision),
        expected,
        'each write exactly once, in revision order',
      );
      assert.ok(seen.every((e) => e.type === 'ADDED'));
    } finally {
      other.close();
      await store.close();
    }
  });
});

describe('EtcdStore over TLS with client certificates', function () {
  this.timeout(60_000);
  let etcd: EtcdCluster;
  before(async () => {
    etcd = await startEtcd({ tls: true });
  });
  after(async () => {
    await etcd?.stop();
  });

  it('takes the CA and client certificate as file paths or as PEM text', async () => {
    const paths = etcd.tls as { ca: string; cert: string; key: string };
    const pemText = {
      ca: readFileSync(paths.ca, 'utf8'),
      cert: readFileSync(paths.cert, 'utf8'),
      key: readFileSync(paths.key, 'utf8'),
    };
    for (const tls of [paths, pemText]) {
      const store = await EtcdStore.open({ endpoints: etcd.endpoints, tls, prefix: `/tls-${++n}` });
      try {
        const seen: string[] = [];
        store.watch('/r/', store.currentRevision(), (e) => seen.push(e.key));
        await store.create('/r/a', cm('a'));
        assert.deepEqual(seen, ['/r/a']);
      } finally {
        await store.close();
      }
    }
  });

  it('is refused without a client certificate', async () => {
    await assert.rejects(
      EtcdStore.open({ endpoints: etcd.endpoints, tls: { ca: etcd.tls?.ca }, requestTimeoutMs: 1_000 }),
    );
  });
});

describe('startEtcd without etcd', () => {
  it('fails with a message that says how to install it', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await assert.rejects(startEtcd(), (e: Error) => e.message === ETCD_MISSING);
    } finally {
      process.env.PATH = path;
    }
  });
});
