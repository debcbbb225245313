import assert from 'node:assert/strict';
import { runWorkers, WorkQueue } from '../../../client/workqueue.js';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** get() that fails the test instead of hanging when nothing is queued. */
async function getNow(q: WorkQueue, waitMs = 50): Promise<string | undefined | 'nothing'> {
  return Promise.race([q.get(), tick(waitMs).then(() => 'nothing' as const)]);
}

describe('runtime/WorkQueue', () => {
  it('hands keys out in FIFO order and dedups keys that are waiting', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.len(), 0);
    q.done('a');
    q.done('b');
    assert.equal(await getNow(q), 'nothing');
    q.shutdown();
  });

  it('a key re-added while processing is not handed out twice, but again after done()', async () => {
    const q = new WorkQueue();
    q.add('a');
    assert.equal(await q.get(), 'a');
    q.add('a');
    q.add('a');
    // Not available while 'a' is being processed: a second worker must not get it.
    assert.equal(q.len(), 0);
    const second = q.get();
    const early = await Promise.race([second, tick(30).then(() => 'nothing')]);
    assert.equal(early, 'nothing');
    // done() hands the parked key to the waiting worker, once.
    q.done('a');
    assert.equal(await second, 'a');
    q.done('a');
    assert.equal(q.len(), 0);
    q.shutdown();
  });

  it('done() re-queues a parked key exactly once', async () => {
    const q = new WorkQueue();
    q.add('a');
    assert.equal(await q.get(), 'a');
    q.add('a');
    q.done('a');
    assert.equal(q.len(), 1);
    assert.equal(await q.get(), 'a');
    q.done('a');
    assert.equal(q.len(), 0);
    assert.equal(await getNow(q), 'nothing');
    q.shutdown();
  });

  it('a waiting get() is woken by add()', async () => {
    const q = new WorkQueue();
    const p = q.get();
    q.add('x');
    assert.equal(await p, 'x');
    q.shutdown();
  });

  it('rate-limited backoff doubles per key from the base and stops at the cap', () => {
    const q = new WorkQueue({ baseDelayMs: 5, maxDelayMs: 1000 });
    const delays = Array.from({ length: 12 }, () => q.when('k'));
    assert.deepEqual(delays, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000]);
    assert.equal(q.numRequeues('k'), 12);
    // Per key: another key starts from the base.
    assert.equal(q.when('other'), 5);
    q.shutdown();
  });

  it('the default cap is 1000 s and huge failure counts do not overflow', () => {
    const q = new WorkQueue();
    let last = 0;
    for (let i = 0; i < 200; i++) last = q.when('k');
    assert.equal(last, 1_000_000);
    q.shutdown();
  });

  it('forget() resets the backoff of a key', () => {
    const q = new WorkQueue({ baseDelayMs: 5 });
    q.when('k');
    q.when('k');
    q.when('k');
    assert.equal(q.numRequeues('k'), 3);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
    assert.equal(q.when('k'), 5);
    q.shutdown();
  });

  it('addRateLimited() queues the key after its growing delay', async () => {
    const q = new WorkQueue({ baseDelayMs: 30, maxDelayMs: 10_000 });
    const t0 = Date.now();
    q.addRateLimited('k');
    assert.equal(q.len(), 0);
    assert.equal(await q.get(), 'k');
    const first = Date.now() - t0;
    assert.ok(first >= 25, `first retry after ${first} ms`);
    q.done('k');
    const t1 = Date.now();
    q.addRateLimited('k');
    assert.equal(await q.get(), 'k');
    const second = Date.now() - t1;
    assert.ok(second >= 55, `second retry after ${second} ms`);
    q.shutdown();
  });

  it('addAfter() delays, and an earlier addAfter of the same key wins', async () => {
    const q = new WorkQueue();
    q.addAfter('k', 10_000);
    q.addAfter('k', 20);
    q.addAfter('k', 5_000);
    const t0 = Date.now();
    assert.equal(await q.get(), 'k');
    assert.ok(Date.now() - t0 < 1000);
    q.done('k');
    // The superseded timers must not fire later.
    assert.equal(await getNow(q, 100), 'nothing');
    q.shutdown();
  });

  it('addAfter(0) adds at once', async () => {
    const q = new WorkQueue();
    q.addAfter('k', 0);
    assert.equal(q.len(), 1);
    assert.equal(await q.get(), 'k');
    q.shutdown();
  });

  it('shutdown() wakes waiting get() calls with undefined and ignores later adds', async () => {
    const q = new WorkQueue();
    const waiting = [q.get(), q.get()];
    q.addAfter('later', 20);
    q.shutdown();
    assert.deepEqual(await Promise.all(waiting), [undefined, undefined]);
    q.add('x');
    assert.equal(q.len(), 0);
    assert.equal(await q.get(), undefined);
    await tick(40);
    assert.equal(q.len(), 0, 'delayed adds are cancelled');
    assert.ok(q.isShuttingDown());
  });

  it('shutdown() drops keys still queued', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.shutdown();
    assert.equal(q.len(), 0);
    assert.equal(await q.get(), undefined);
  });
});

describe('runtime/runWorkers', () => {
  interface Logged {
    msg: string;
    key?: string;
  }
  const logs: Logged[] = [];
  const log = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (obj: { key?: string }, msg: string) => {
      logs.push({ msg, key: obj.key });
    },
  } as unknown as Parameters<typeof runWorkers>[3];

  beforeEach(() => {
    logs.length = 0;
  });

  it('retries a failing key with backoff, logs each failure, and forgets it on success', async () => {
    const q = new WorkQueue({ baseDelayMs: 5 });
    let calls = 0;
    const finished = runWorkers(
      q,
      2,
      async (key) => {
        calls++;
        if (calls < 4) throw new Error(`boom ${key}`);
        q.shutdown();
      },
      log,
    );
    q.add('k');
    await finished;
    assert.equal(calls, 4);
    assert.equal(logs.length, 3);
    assert.equal(logs[0].key, 'k');
    assert.equal(q.numRequeues('k'), 0, 'forgotten after success');
  });

  it('never runs one key on two workers at once, and processes re-adds after done', async () => {
    const q = new WorkQueue();
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const finished = runWorkers(
      q,
      4,
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs++;
        await tick(20);
        active--;
      },
      log,
    );
    q.add('k');
    await tick(5);
    // Re-added three times while processing: exactly one more run.
    q.add('k');
    q.add('k');
    q.add('k');
    await tick(80);
    assert.equal(maxActive, 1);
    assert.equal(runs, 2);
    q.shutdown();
    await finished;
  });

  it('honours requeueAfterMs', async () => {
    const q = new WorkQueue();
    const times: number[] = [];
    const finished = runWorkers(q, 1, async () => {
      times.push(Date.now());
      if (times.length === 2) {
        q.shutdown();
        return;
      }
      return { requeueAfterMs: 40 };
    });
    q.add('k');
    await finished;
    assert.equal(times.length, 2);
    assert.ok(times[1] - times[0] >= 35, `requeued after ${times[1] - times[0]} ms`);
  });

  it('resolves when the queue shuts down with idle workers', async () => {
    const q = new WorkQueue();
    const finished = runWorkers(q, 3, async () => undefined);
    q.shutdown();
    await finished;
  });
});
