import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import {
  EngineError,
  LABELS,
  type ContainerSpec,
  type EngineEvent,
} from '../../../../../agent/edge/engine/engine.js';
import { SimulatedEngine } from '../../../../../agent/edge/engine/simulated.js';

const spec = (name: string, labels: Record<string, string> = {}, hostNetwork = false): ContainerSpec => ({
  name,
  image: 'busybox:1.36',
  env: [],
  labels: { [LABELS.node]: 'n1', ...labels },
  hostNetwork,
  ports: [],
  mounts: [],
  resources: {},
});

async function text(r: Readable): Promise<string> {
  let s = '';
  for await (const c of r as AsyncIterable<Buffer | string>) s += c.toString();
  return s;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('edge engine: simulated', () => {
  it('create → start → crash → remove, with events and inspect', async () => {
    const e = new SimulatedEngine();
    const events: string[] = [];
    e.onEvent((ev: EngineEvent) => events.push(ev.action));
    const id = await e.createContainer(spec('a'));
    assert.equal((await e.inspectContainer(id))?.status, 'created');
    await e.startContainer(id);
    const running = await e.inspectContainer(id);
    assert.equal(running?.status, 'running');
    assert.match(running?.ip ?? '', /^10\.\d+\.\d+\.\d+$/);
    assert.ok(running?.startedAt);
    assert.equal((await e.inspectContainer('a'))?.id, id, 'by name too');
    e.crash(id, 3);
    const dead = await e.inspectContainer(id);
    assert.equal(dead?.status, 'exited');
    assert.equal(dead?.exitCode, 3);
    assert.ok(dead?.finishedAt);
    await e.removeContainer(id);
    await e.removeContainer(id);
    assert.equal(await e.inspectContainer(id), undefined);
    await tick();
    assert.deepEqual(events, ['create', 'start', 'die', 'destroy']);
  });

  it('stop gives 143 (SIGTERM honoured); stopping twice is fine; names are unique', async () => {
    const e = new SimulatedEngine();
    const id = await e.createContainer(spec('a'));
    await e.startContainer(id);
    await e.stopContainer(id, 30);
    await e.stopContainer(id, 30);
    assert.equal((await e.inspectContainer(id))?.exitCode, 143);
    await assert.rejects(
      e.createContainer(spec('a')),
      (err: unknown) => err instanceof EngineError && /already in use/.test(err.message),
    );
    await assert.rejects(
      e.startContainer('nope'),
      (err: unknown) => err instanceof EngineError && err.reason === 'NotFound',
    );
  });

  it('lists by labels; host network containers get no IP', async () => {
    const e = new SimulatedEngine();
    await e.createContainer(spec('a', { p: '1' }));
    const b = await e.createContainer(spec('b', { p: '2' }, true));
    await e.startContainer(b);
    assert.deepEqual(
      (await e.listContainers({ p: '1' })).map((c) => c.name),
      ['a'],
    );
    assert.equal((await e.listContainers({ [LABELS.node]: 'n1' })).length, 2);
    assert.equal((await e.inspectContainer(b))?.ip, undefined);
  });

  it('images: every well-formed reference is present, unless rejected by a test', async () => {
    const e = new SimulatedEngine();
    assert.equal(await e.imagePresent('anything:1'), true);
    await e.pullImage('anything:1');
    await assert.rejects(
      e.pullImage('Bad Ref'),
      (err: unknown) => err instanceof EngineError && err.reason === 'InvalidImageName',
    );
    e.rejectImage('nope:1', 'manifest unknown');
    assert.equal(await e.imagePresent('nope:1'), false);
    await assert.rejects(
      e.pullImage('nope:1'),
      (err: unknown) =>
        err instanceof EngineError && err.reason === 'ErrImagePull' && err.message === 'manifest unknown',
    );
    e.allowImage('nope:1');
    await e.pullImage('nope:1');
  });

  it('exec answers 0, or what a test set', async () => {
    const e = new SimulatedEngine();
    const id = await e.createContainer(spec('a'));
    await assert.rejects(e.exec(id, ['true'], 1000));
    await e.startContainer(id);
    assert.deepEqual(await e.exec(id, ['true'], 1000), { exitCode: 0, output: '' });
    e.setExecExitCode(id, 1);
    assert.equal((await e.exec(id, ['true'], 1000)).exitCode, 1);
  });

  it('logs: synthetic lines, tail, timestamps; follow stays open until aborted', async () => {
    const e = new SimulatedEngine();
    const id = await e.createContainer(spec('a'));
    await e.startContainer(id);
    assert.match(await text(await e.logs(id, {})), /^simulated container a started at \S+Z\n$/);
    assert.match(
      await text(await e.logs(id, { timestamps: true })),
      /^\d{4}-\d\d-\d\dT[\d:.]+Z simulated container a started/,
    );
    assert.equal(await text(await e.logs(id, { tailLines: 0 })), '');
    const ac = new AbortController();
    const follow = await e.logs(id, { follow: true, signal: ac.signal });
    const got = text(follow);
    await tick();
    let ended = false;
    void got.then(() => (ended = true));
    await tick();
    assert.equal(ended, false, 'still open');
    ac.abort();
    assert.match(await got, /started at/);
    // Follow of a container that then dies ends with its exit line.
    const f2 = text(await e.logs(id, { follow: true }));
    e.crash(id, 2);
    assert.match(await f2, /exited with code 2/);
  });

  it('reboot: running containers are exited (255), without events', async () => {
    const e = new SimulatedEngine();
    const events: string[] = [];
    const id = await e.createContainer(spec('a'));
    await e.startContainer(id);
    await tick();
    e.onEvent((ev) => events.push(ev.action));
    e.reboot();
    await tick();
    assert.equal((await e.inspectContainer(id))?.exitCode, 255);
    assert.deepEqual(events, []);
  });

  it('10,000 containers are cheap', async function () {
    this.timeout(20_000);
    const e = new SimulatedEngine();
    const before = process.memoryUsage().heapUsed;
    const t0 = Date.now();
    for (let i = 0; i < 10_000; i++) {
      const id = await e.createContainer(
        spec(`c${i}`, { [LABELS.podUid]: `uid-${i}`, [LABELS.container]: 'app', [LABELS.attempt]: '0' }),
      );
      await e.startContainer(id);
    }
    const created = Date.now() - t0;
    const t1 = Date.now();
    assert.equal((await e.listContainers({ [LABELS.node]: 'n1' })).length, 10_000);
    const listed = Date.now() - t1;
    const mb = (process.memoryUsage().heapUsed - before) / 1e6;
    assert.ok(created < 5000, `create+start of 10k took ${created} ms`);
    assert.ok(listed < 1000, `list of 10k took ${listed} ms`);
    assert.ok(mb < 100, `10k containers use ${mb.toFixed(1)} MB of heap`);
  });
});
