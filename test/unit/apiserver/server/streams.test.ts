/**
 * The decisions of exec/attach/port-forward, as tables: query parsing, subprotocol choice, the exit
 * Status kubectl reads, container choice; SPDY framing and header compression (a client built
 * here with zlib and the SPDY dictionary, as spdystream does); and the simulated engine's refusal.
 */
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { ApiError } from '../../../../apiserver/errors.js';
import type { ConnectRequest, UpgradedConnection } from '../../../../apiserver/server/connect.js';
import {
  exitStatus,
  parseStreamOptions,
  pickProtocol,
} from '../../../../apiserver/server/streams/remotecommand.js';
import {
  ControlType,
  SpdyServer,
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  parseFrames,
  type SpdyHeaders,
  type SpdyStream,
} from '../../../../apiserver/server/streams/spdy.js';
import { SPDY_DICTIONARY } from '../../../../apiserver/server/streams/spdy-dictionary.js';
import { LABELS, type ObservedContainer } from '../../../../agent/edge/engine/engine.js';
import { SimulatedEngine } from '../../../../agent/edge/engine/simulated.js';
import { execHandler, pickContainer } from '../../../../agent/edge/streams/handlers.js';

const q = (s: string): URLSearchParams => new URLSearchParams(s);

describe('streams: exec/attach options and statuses', () => {
  it('parses kubectl exec queries as kube does', () => {
    const table: [string, boolean, Partial<ReturnType<typeof parseStreamOptions>> | RegExp][] = [
      [
        'command=sh&command=-c&command=echo+hi&stdout=true&stderr=true&container=main',
        true,
        {
          command: ['sh', '-c', 'echo hi'],
          container: 'main',
          stdout: true,
          stderr: true,
          stdin: false,
          tty: false,
        },
      ],
      [
        'command=sh&stdin=true&stdout=true&stderr=true&tty=true',
        true,
        { tty: true, stderr: false, stdin: true },
      ],
      ['stdout=true', true, /at least 1 command/],
      ['command=sh', true, /at least 1 of stdin, stdout, stderr/],
      ['stdin=true&stdout=true', false, { command: [], stdin: true }],
    ];
    for (const [query, exec, want] of table) {
      if (want instanceof RegExp) {
        assert.throws(
          () => parseStreamOptions(q(query), exec),
          (e: unknown) => e instanceof ApiError && e.code === 400 && want.test(e.message),
        );
      } else {
        const got = parseStreamOptions(q(query), exec);
        for (const [k, v] of Object.entries(want))
          assert.deepEqual(got[k as keyof typeof got], v, `${query}: ${k}`);
      }
    }
  });

  it('speaks v5, then v4, never the older text protocols', () => {
    assert.equal(pickProtocol('v5.channel.k8s.io'), 'v5.channel.k8s.io');
    assert.equal(pickProtocol('v4.channel.k8s.io, v5.channel.k8s.io'), 'v5.channel.k8s.io');
    assert.equal(pickProtocol('v4.channel.k8s.io'), 'v4.channel.k8s.io');
    assert.equal(pickProtocol('channel.k8s.io, base64.channel.k8s.io'), undefined);
    assert.equal(pickProtocol(undefined), undefined);
  });

  it('reports the exit code the way kubectl turns into its own exit code', () => {
    assert.deepEqual(exitStatus(0, ['true']), { metadata: {}, status: 'Success' });
    assert.deepEqual(exitStatus(undefined, []), { metadata: {}, status: 'Success' });
    const s = exitStatus(42, ['sh', '-c', 'exit 42']) as {
      reason: string;
      details: { causes: { reason: string; message: string }[] };
    };
    assert.equal(s.reason, 'NonZeroExitCode');
    assert.deepEqual(s.details.causes, [{ reason: 'ExitCode', message: '42' }]);
  });

  it('picks the named container, or the only one', () => {
    const c = (name: string, id: string): ObservedContainer => ({
      id,
      name: id,
      image: 'x',
      labels: { [LABELS.container]: name },
      status: 'running',
    });
    assert.equal(pickContainer([c('a', '1')], undefined, 'p').id, '1');
    assert.equal(pickContainer([c('a', '1'), c('b', '2')], 'b', 'p').id, '2');
    assert.throws(() => pickContainer([c('a', '1'), c('b', '2')], undefined, 'p'), /choose one of: \[a b\]/);
    assert.throws(() => pickContainer([c('a', '1')], 'z', 'p'), /container z is not valid for pod p/);
  });
});

describe('streams: SPDY/3.1 server side', () => {
  it('frames and header blocks round-trip', () => {
    const h: SpdyHeaders = { streamtype: ['data'], port: ['8080'], requestid: ['0'] };
    assert.deepEqual(decodeHeaderBlock(encodeHeaderBlock(h)), h);
    const bytes = Buffer.concat([
      controlFrame(ControlType.PING, 0, Buffer.from([0, 0, 0, 1])),
      dataFrame(3, 1, Buffer.from('hi')),
    ]);
    // Split anywhere: complete frames come out, the rest waits.
    const { frames, rest } = parseFrames(bytes.subarray(0, bytes.length - 1));
    assert.equal(frames.length, 1);
    assert.equal(rest.length, 9);
    const all = parseFrames(bytes).frames;
    assert.deepEqual(all[1], { control: false, stream: 3, flags: 1, body: Buffer.from('hi') });
  });

  it('answers SYN_STREAM with SYN_REPLY, carries DATA both ways, echoes PING', async () => {
    const sent: Buffer[] = [];
    const server = new SpdyServer({
      send: (b, done) => {
        sent.push(b);
        done();
      },
      pause: () => undefined,
      resume: () => undefined,
      close: () => undefined,
    });
    const streams: [SpdyStream, SpdyHeaders][] = [];
    server.on('stream', (s, h) => streams.push([s, h]));
    // The client's compressor: one zlib stream primed with the dictionary, flushed per block.
    const deflate = zlib.createDeflate({ dictionary: SPDY_DICTIONARY });
    const compress = (b: Buffer): Promise<Buffer> =>
      new Promise((resolve) => {
        const out: Buffer[] = [];
        const onData = (c: Buffer): number => out.push(c);
        deflate.on('data', onData);
        deflate.write(b);
        deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          deflate.removeListener('data', onData);
          resolve(Buffer.concat(out));
        });
      });
    for (const [id, type] of [
      [1, 'error'],
      [3, 'data'],
    ] as const) {
      const block = await compress(encodeHeaderBlock({ streamtype: [type], port: ['80'], requestid: ['7'] }));
      const head = Buffer.alloc(10);
      head.writeUInt32BE(id, 0);
      server.feed(controlFrame(ControlType.SYN_STREAM, 0, Buffer.concat([head, block])));
    }
    server.feed(dataFrame(3, 0, Buffer.from('ping-data')));
    server.feed(controlFrame(ControlType.PING, 0, Buffer.from([0, 0, 0, 5])));
    for (let i = 0; i < 50 && sent.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      streams.map(([s, h]) => [s.id, h.streamtype[0], h.requestid[0]]),
      [
        [1, 'error', '7'],
        [3, 'data', '7'],
      ],
    );
    const replies = sent.flatMap((b) => parseFrames(b).frames);
    assert.deepEqual(
      replies.map((f) => (f.control ? f.type : -1)),
      [ControlType.SYN_REPLY, ControlType.SYN_REPLY, ControlType.PING],
    );
    // The reply's header block inflates with the dictionary (what the client does).
    const inflate = zlib.inflateSync((replies[0] as { body: Buffer }).body.subarray(4), {
      dictionary: SPDY_DICTIONARY,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    assert.deepEqual(decodeHeaderBlock(inflate), {});
    const data = streams[1][0];
    assert.equal((data.read() as Buffer).toString(), 'ping-data');
    data.write('back');
    assert.deepEqual(parseFrames(sent[sent.length - 1]).frames[0], {
      control: false,
      stream: 3,
      flags: 0,
      body: Buffer.from('back'),
    });
    server.shutdown('done');
  });
});

describe('streams: the simulated engine', () => {
  it('refuses exec with a Status that says why, never fake output', async () => {
    const engine = new SimulatedEngine();
    const id = await engine.createContainer({
      name: 'c',
      image: 'busybox',
      env: [],
      labels: {
        [LABELS.node]: 'n1',
        [LABELS.podNamespace]: 'default',
        [LABELS.podName]: 'p',
        [LABELS.container]: 'main',
      },
      hostNetwork: false,
      ports: [],
      mounts: [],
      resources: {},
    });
    await engine.startContainer(id);
    const upgrade = {
      req: { headers: { upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' } },
    } as unknown as UpgradedConnection;
    const req: ConnectRequest = {
      namespace: 'default',
      name: 'p',
      query: q('command=ls&stdout=true&container=main'),
      user: { name: 'admin', groups: ['system:masters'] },
      signal: new AbortController().signal,
      upgrade,
    };
    await assert.rejects(
      execHandler({ engine, nodeName: 'n1' })(req),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 400 &&
        /the simulated engine runs no processes: exec needs a container engine/.test(e.message),
    );
    await engine.close();
  });
});
