import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cleanup, kubectl, request, startHub, tempDir, type HubProcess } from '../helpers/hub.js';

interface ConfigMap {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
  };
  data?: Record<string, string>;
}

interface Outcome {
  name: string;
  /** HTTP status, or 0 when the request failed at the connection (hub killed). */
  status: number;
  uid?: string;
  resourceVersion?: string;
}

const TOTAL = 1000;
const IN_FLIGHT = 50;
const KILL_AFTER_ACKED = 300;
const NS = 'dur';

const nameOf = (i: number): string => `cm-${String(i).padStart(4, '0')}`;
/** A payload big enough that a torn write would show, and unique per object so mix-ups would too. */
const payloadOf = (name: string): string => `${name}:`.padEnd(2048, name.slice(-1));

describe('durability: kill -9 during 1,000 concurrent creates (real hub)', function () {
  const dataDir = tempDir();
  let hub: HubProcess | undefined;

  after(async function () {
    await hub?.stop();
    cleanup(dataDir);
  });

  it('keeps every acknowledged create, tears none, and reopens a clean database', async function () {
    this.timeout(55_000);
    hub = await startHub({ dataDir });
    const port = hub.port;
    const first = hub;
    const ns = await request(first, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS },
    });
    assert.equal(ns.status, 201, ns.body);

    // A pool of IN_FLIGHT workers; the hub is killed once KILL_AFTER_ACKED creates were answered 201.
    const outcomes = new Map<string, Outcome>();
    let next = 0;
    let acked = 0;
    let killing: Promise<void> | undefined;
    const worker = async (): Promise<void> => {
      while (next < TOTAL && !killing) {
        const name = nameOf(next++);
        const body = {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, namespace: NS },
          data: { payload: payloadOf(name), name },
        };
        const o: Outcome = { name, status: 0 };
        outcomes.set(name, o);
        try {
          const r = await request(first, 'POST', `/api/v1/namespaces/${NS}/configmaps`, body);
          o.status = r.status;
          if (r.status === 201) {
            const cm = r.json<ConfigMap>();
            o.uid = cm.metadata.uid;
            o.resourceVersion = cm.metadata.resourceVersion;
            acked++;
            if (acked >= KILL_AFTER_ACKED && !killing) killing = first.kill9();
          }
        } catch {
          o.status = 0; // connection reset or refused: not acknowledged
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, () => worker()));
    assert.ok(killing, `the hub was never killed: only ${acked} creates acknowledged`);
    await killing;

    const ackedOutcomes = [...outcomes.values()].filter((o) => o.status === 201);
    const other = [...outcomes.values()].filter((o) => o.status !== 201 && o.status !== 0);
    assert.deepEqual(other, [], 'before the kill every create is answered 201 (or the connection dies)');
    assert.ok(ackedOutcomes.length >= KILL_AFTER_ACKED);
    assert.ok(outcomes.size < TOTAL, 'the kill landed in the middle of the run');
    for (const o of ackedOutcomes)
      assert.ok(o.uid && o.resourceVersion, `201 for ${o.name} without uid/resourceVersion`);

    // Restart on the same data directory (and port, so the admin kubeconfig still points at it).
    hub = await startHub({ dataDir, port });
    const second = hub;

    // Every acknowledged create survived, as the very same object.
    const missing: string[] = [];
    for (let i = 0; i < ackedOutcomes.length; i += IN_FLIGHT) {
      await Promise.all(
        ackedOutcomes.slice(i, i + IN_FLIGHT).map(async (o) => {
          const r = await request(second, 'GET', `/api/v1/namespaces/${NS}/configmaps/${o.name}`);
          if (r.status !== 200) {
            missing.push(`${o.name}: ${r.status}`);
            return;
          }
          const cm = r.json<ConfigMap>();
          assert.equal(cm.metadata.uid, o.uid, `${o.name} has a different uid after the restart`);
          assert.equal(cm.metadata.resourceVersion, o.resourceVersion, `${o.name} changed revision`);
          assert.equal(cm.data?.payload, payloadOf(o.name), `${o.name} payload differs`);
        }),
      );
    }
    assert.deepEqual(missing, [], `acknowledged creates lost by kill -9 (${missing.length})`);

    // Nothing half-written: every object present is complete, and was actually sent.
    const list = await request(second, 'GET', `/api/v1/namespaces/${NS}/configmaps`);
    assert.equal(list.status, 200, list.body);
    const parsed = list.json<{ metadata: { resourceVersion: string }; items: ConfigMap[] }>();
    const listRv = Number(parsed.metadata.resourceVersion);
    const ours = parsed.items.filter((cm) => cm.metadata.name.startsWith('cm-'));
    const seenRvs = new Set<number>();
    for (const cm of ours) {
      const name = cm.metadata.name;
      assert.ok(outcomes.has(name), `${name} exists but was never sent`);
      assert.equal(cm.metadata.namespace, NS);
      assert.match(cm.metadata.uid ?? '', /^[0-9a-f-]{36}$/, `${name} has no uid`);
      assert.ok(cm.metadata.creationTimestamp, `${name} has no creationTimestamp`);
      assert.equal(cm.data?.payload, payloadOf(name), `${name} payload is torn`);
      assert.equal(cm.data?.name, name);
      const rv = Number(cm.metadata.resourceVersion);
      assert.ok(Number.isInteger(rv) && rv > 0 && rv <= listRv, `${name} revision ${rv} vs list ${listRv}`);
      assert.ok(!seenRvs.has(rv), `revision ${rv} used twice`);
      seenRvs.add(rv);
    }
    assert.ok(ours.length >= ackedOutcomes.length, 'list shows at least every acknowledged object');
    assert.ok(ours.length <= outcomes.size);
    const maxAckedRv = Math.max(...ackedOutcomes.map((o) => Number(o.resourceVersion)));
    assert.ok(listRv >= maxAckedRv, `list revision ${listRv} went back behind acknowledged ${maxAckedRv}`);

    // The revision sequence continues after the restart: a new write gets a newer revision, and the
    // unacknowledged names can be created now (or already exist, complete) — never a broken state.
    const fresh = await request(second, 'POST', `/api/v1/namespaces/${NS}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'after-restart' },
      data: { payload: 'x' },
    });
    assert.equal(fresh.status, 201, fresh.body);
    assert.ok(
      Number(fresh.json<ConfigMap>().metadata.resourceVersion) > listRv,
      'revision reused after restart',
    );
    const unacked = [...outcomes.values()].filter((o) => o.status !== 201).slice(0, 20);
    for (const o of unacked) {
      const r = await request(second, 'POST', `/api/v1/namespaces/${NS}/configmaps`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: o.name },
        data: { payload: payloadOf(o.name), name: o.name },
      });
      const present = ours.some((cm) => cm.metadata.name === o.name);
      assert.equal(r.status, present ? 409 : 201, `${o.name}: ${r.body}`);
    }

    // kubectl agrees with the list.
    const k = kubectl(second.kubeconfig, ['get', 'configmaps', '-n', NS, '--no-headers', '-o', 'name']);
    assert.equal(k.code, 0, k.stderr);
    const kubectlNames = k.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('configmap/cm-'));
    const expectedNames = new Set([...ours.map((cm) => cm.metadata.name), ...unacked.map((o) => o.name)]);
    assert.equal(kubectlNames.length, expectedNames.size, k.stdout.slice(0, 2000));

    // A clean shutdown, then SQLite's own verdict on the file.
    await second.stop();
    hub = undefined;
    const db = new Database(join(dataDir, 'state.db'), { readonly: true, fileMustExist: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  });
});
