import assert from 'node:assert/strict';
import type { ObservedContainer } from '../../../../../agent/edge/engine/engine.js';
import type { BackoffEntry } from '../../../../../agent/edge/node/backoff.js';
import { groupByContainer } from '../../../../../agent/edge/node/history.js';
import {
  decideContainer,
  planPod,
  shouldRestart,
  type ContainerAction,
} from '../../../../../agent/edge/node/restart.js';
import type { Pod, RestartPolicy } from '../../../../../api/core.js';
import { container, iso, observed, pod, T0, UID } from './fixtures.js';

const CFG = { baseMs: 10_000, maxMs: 300_000 };

describe('edge node: restart decisions', () => {
  const policies: [RestartPolicy, number, boolean][] = [
    ['Always', 0, true],
    ['Always', 1, true],
    ['OnFailure', 0, false],
    ['OnFailure', 137, true],
    ['Never', 0, false],
    ['Never', 1, false],
  ];
  for (const [policy, code, want] of policies)
    it(`${policy}, exit ${code} → restart=${want}`, () => assert.equal(shouldRestart(policy, code), want));

  const exited = (
    attempt: number,
    code: number,
    finishedMs: number,
    extra: Partial<ObservedContainer> = {},
  ) =>
    observed('app', attempt, {
      id: `x${attempt}`,
      status: 'exited',
      exitCode: code,
      startedAt: iso(finishedMs - 1000),
      finishedAt: iso(finishedMs),
      ...extra,
    });

  const cases: {
    name: string;
    history: ObservedContainer[];
    policy?: RestartPolicy;
    backoff?: BackoffEntry;
    unhealthy?: string[];
    now?: number;
    want: ContainerAction;
  }[] = [
    { name: 'nothing yet → create attempt 0', history: [], want: { kind: 'create', attempt: 0 } },
    {
      name: 'running → nothing',
      history: [observed('app', 0, { id: 'r', status: 'running' })],
      want: { kind: 'none' },
    },
    {
      name: 'running but failed liveness → kill',
      history: [observed('app', 0, { id: 'r', status: 'running' })],
      unhealthy: ['r'],
      want: { kind: 'kill', id: 'r' },
    },
    {
      name: 'created, never started (agent stopped in between) → start',
      history: [observed('app', 2, { id: 'c', status: 'created' })],
      want: { kind: 'start', id: 'c' },
    },
    {
      name: 'unknown state → leave it',
      history: [observed('app', 0, { id: 'u', status: 'unknown' })],
      want: { kind: 'none' },
    },
    {
      name: 'first crash → restart now, back-off starts at 10s',
      history: [exited(0, 1, T0)],
      now: T0 + 100,
      want: { kind: 'create', attempt: 1, backoff: { delayMs: 10_000, lastUpdateMs: T0 } },
    },
    {
      name: 'start error (created with error) counts as a crash',
      history: [
        observed('app', 0, {
          id: 's',
          status: 'created',
          error: 'exec: "nope": not found',
          finishedAt: iso(T0),
        }),
      ],
      now: T0 + 100,
      want: { kind: 'create', attempt: 1, backoff: { delayMs: 10_000, lastUpdateMs: T0 } },
    },
    {
      name: 'second crash within back-off → CrashLoopBackOff with the remaining time',
      history: [exited(1, 1, T0 + 12_000), exited(0, 1, T0)],
      backoff: { delayMs: 10_000, lastUpdateMs: T0 },
      now: T0 + 14_000,
      want: {
        kind: 'wait',
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off 10s restarting failed container=app pod=web_default(${UID})`,
        },
        retryInMs: 8000,
      },
    },
    {
      name: 'back-off waited out → next attempt, doubled',
      history: [exited(1, 1, T0 + 12_000)],
      backoff: { delayMs: 10_000, lastUpdateMs: T0 },
      now: T0 + 22_000,
      want: { kind: 'create', attempt: 2, backoff: { delayMs: 20_000, lastUpdateMs: T0 + 12_000 } },
    },
    {
      name: 'ran for more than ten minutes → back-off starts over',
      history: [exited(5, 1, T0 + 900_000)],
      backoff: { delayMs: 300_000, lastUpdateMs: T0 },
      now: T0 + 900_001,
      want: { kind: 'create', attempt: 6, backoff: { delayMs: 10_000, lastUpdateMs: T0 + 900_000 } },
    },
    {
      name: 'Always restarts a container that exited 0',
      history: [exited(0, 0, T0)],
      now: T0 + 1,
      want: { kind: 'create', attempt: 1, backoff: { delayMs: 10_000, lastUpdateMs: T0 } },
    },
    {
      name: 'OnFailure: exit 0 is done',
      history: [exited(0, 0, T0)],
      policy: 'OnFailure',
      want: { kind: 'none' },
    },
    {
      name: 'OnFailure: exit 2 restarts',
      history: [exited(0, 2, T0)],
      policy: 'OnFailure',
      now: T0 + 1,
      want: { kind: 'create', attempt: 1, backoff: { delayMs: 10_000, lastUpdateMs: T0 } },
    },
    {
      name: 'Never: a failure is final',
      history: [exited(0, 1, T0)],
      policy: 'Never',
      want: { kind: 'none' },
    },
  ];
  for (const t of cases)
    it(t.name, () => {
      const p = pod();
      const action = decideContainer({
        pod: p,
        container: p.spec.containers[0],
        history: t.history,
        policy: t.policy ?? 'Always',
        backoff: t.backoff,
        unhealthy: new Set(t.unhealthy ?? []),
        nowMs: t.now ?? T0,
        cfg: CFG,
      });
      assert.deepEqual(action, t.want);
    });

  describe('planPod', () => {
    const withInit = (over: Partial<Pod['spec']> = {}): Pod =>
      pod({ initContainers: [container('init1'), container('init2')], ...over });
    const withSidecar = (over: Partial<Pod['spec']> = {}): Pod =>
      pod({ initContainers: [container('proxy', { restartPolicy: 'Always' }), container('init1')], ...over });
    const plan = (p: Pod, cs: ObservedContainer[]) =>
      planPod({
        pod: p,
        histories: groupByContainer(cs),
        backoffs: new Map(),
        unhealthy: new Set(),
        nowMs: T0,
        cfg: CFG,
      }).map((a) => `${a.init ? 'init:' : ''}${a.container.name}:${a.action.kind}`);
    const done = (name: string, code = 0) =>
      observed(name, 0, { status: 'exited', exitCode: code, finishedAt: iso(T0 - 1000) });

    const table: [string, Pod, ObservedContainer[], string[]][] = [
      [
        'no init containers: every app container',
        pod({ containers: [container('a'), container('b')] }),
        [],
        ['a:create', 'b:create'],
      ],
      ['init containers first, one at a time', withInit(), [], ['init:init1:create']],
      [
        'first init running: wait for it',
        withInit(),
        [observed('init1', 0, { status: 'running' })],
        ['init:init1:none'],
      ],
      ['first init done: the second', withInit(), [done('init1')], ['init:init2:create']],
      ['all inits done: the app', withInit(), [done('init1'), done('init2')], ['app:create']],
      ['failed init is retried (Always)', withInit(), [done('init1', 1)], ['init:init1:create']],
      [
        'failed init with Never: nothing more',
        withInit({ restartPolicy: 'Never' }),
        [done('init1', 1)],
        ['init:init1:none'],
      ],
      [
        'app already ran: inits are not rerun even if their records are gone',
        withInit(),
        [observed('app', 0, { status: 'running' })],
        ['app:none'],
      ],
      ['terminal pod: nothing', pod({}, { status: { phase: 'Succeeded' } }), [], []],
      ['sidecar first: started, not awaited', withSidecar(), [], ['init:proxy:create']],
      [
        'sidecar running: the next init runs, the sidecar is kept',
        withSidecar(),
        [observed('proxy', 0, { status: 'running', startedAt: iso(T0) })],
        ['init:proxy:none', 'init:init1:create'],
      ],
      [
        'initialized: sidecar and app side by side',
        withSidecar(),
        [observed('proxy', 0, { status: 'running', startedAt: iso(T0) }), done('init1')],
        ['init:proxy:none', 'app:create'],
      ],
      [
        'a crashed sidecar is restarted even with restartPolicy Never',
        withSidecar({ restartPolicy: 'Never' }),
        [
          observed('proxy', 0, {
            status: 'exited',
            exitCode: 1,
            startedAt: iso(T0 - 5000),
            finishedAt: iso(T0 - 1000),
          }),
          observed('app', 0, { status: 'running' }),
        ],
        ['init:proxy:create', 'app:none'],
      ],
    ];
    for (const [name, p, cs, want] of table) it(name, () => assert.deepEqual(plan(p, cs), want));
  });
});
