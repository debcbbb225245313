import assert from 'node:assert/strict';
import type { ObservedContainer } from '../../../../../agent/edge/engine/engine.js';
import { groupByContainer } from '../../../../../agent/edge/node/history.js';
import {
  computePodStatus,
  qosClass,
  statusPatch,
  type ProbeView,
} from '../../../../../agent/edge/node/pod-status.js';
import type { Waiting } from '../../../../../agent/edge/node/restart.js';
import type { ContainerStatus, Pod, PodStatus } from '../../../../../api/core.js';
import { container, iso, observed, pod, T0 } from './fixtures.js';

const NOW = '2025-01-01T01:00:00Z';
const STARTED = iso(T0 + 1234);
const FINISHED = iso(T0 + 5678);

function status(
  p: Pod,
  containers: ObservedContainer[],
  waiting: Record<string, Waiting> = {},
  probes: Record<string, ProbeView> = {},
): PodStatus {
  return computePodStatus({
    pod: p,
    histories: groupByContainer(containers),
    waiting: new Map(Object.entries(waiting)),
    probes: new Map(Object.entries(probes)),
    engineName: 'simulated',
    nodeIp: '192.168.1.10',
    now: NOW,
  });
}

const running = (name = 'app', attempt = 0, extra: Partial<ObservedContainer> = {}) =>
  observed(name, attempt, {
    id: `run-${name}-${attempt}`,
    status: 'running',
    startedAt: STARTED,
    ip: '10.88.0.7',
    ...extra,
  });
const exited = (name: string, attempt: number, exitCode: number, extra: Partial<ObservedContainer> = {}) =>
  observed(name, attempt, {
    id: `ex-${name}-${attempt}`,
    status: 'exited',
    exitCode,
    startedAt: STARTED,
    finishedAt: FINISHED,
    ...extra,
  });

const cond = (s: PodStatus, type: string) => {
  const c = s.conditions?.find((x) => x.type === type);
  return c ? [c.status, c.reason ?? '', c.message ?? ''].join('|') : 'absent';
};
const cs = (s: PodStatus, name = 'app'): ContainerStatus =>
  s.containerStatuses!.find((c) => c.name === name)!;

describe('edge node: computePodStatus', () => {
  it('nothing created yet: Pending, ContainerCreating, not ready', () => {
    const s = status(pod(), []);
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(cs(s), {
      name: 'app',
      state: { waiting: { reason: 'ContainerCreating' } },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: 'busybox:1.36',
      imageID: '',
      started: false,
    });
    assert.deepEqual(
      s.conditions!.map((c) => c.type),
      ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'],
    );
    assert.equal(cond(s, 'PodReadyToStartContainers'), 'False||');
    assert.equal(cond(s, 'Initialized'), 'True||');
    assert.equal(cond(s, 'Ready'), 'False|ContainersNotReady|containers with unready status: [app]');
    assert.equal(
      cond(s, 'ContainersReady'),
      'False|ContainersNotReady|containers with unready status: [app]',
    );
    assert.equal(cond(s, 'PodScheduled'), 'True||');
    assert.equal(s.hostIP, '192.168.1.10');
    assert.deepEqual(s.hostIPs, [{ ip: '192.168.1.10' }]);
    assert.equal(s.podIP, undefined);
    assert.equal(s.startTime, NOW);
    assert.equal(s.qosClass, 'BestEffort');
  });

  it('running without probes: Running, ready, started, the container IP', () => {
    const s = status(pod(), [running('app', 2)]);
    assert.equal(s.phase, 'Running');
    assert.deepEqual(cs(s), {
      name: 'app',
      state: { running: { startedAt: '2025-01-01T00:00:01Z' } },
      lastState: {},
      ready: true,
      restartCount: 2,
      image: 'busybox:1.36',
      imageID: '',
      containerID: 'simulated://run-app-2',
      started: true,
    });
    assert.equal(cond(s, 'Ready'), 'True||');
    assert.equal(cond(s, 'ContainersReady'), 'True||');
    assert.equal(cond(s, 'PodReadyToStartContainers'), 'True||');
    assert.equal(s.podIP, '10.88.0.7');
    assert.deepEqual(s.podIPs, [{ ip: '10.88.0.7' }]);
  });

  it('host network: the pod IP is the node IP', () => {
    const s = status(pod({ hostNetwork: true }), [running('app', 0, { ip: undefined })]);
    assert.equal(s.podIP, '192.168.1.10');
  });

  const probeCases: [string, ProbeView, boolean, boolean][] = [
    ['readiness not yet passed', { ready: false }, true, false],
    ['readiness passed', { ready: true }, true, true],
    ['startup not yet passed', { started: false, ready: true }, false, false],
    ['startup passed, readiness failing', { started: true, ready: false }, true, false],
  ];
  for (const [name, probes, started, ready] of probeCases)
    it(`probes: ${name} → started=${started} ready=${ready}`, () => {
      const s = status(pod(), [running()], {}, { 'run-app-0': probes });
      assert.equal(cs(s).started, started);
      assert.equal(cs(s).ready, ready);
      assert.equal(s.phase, 'Running');
      assert.equal(cond(s, 'Ready').startsWith(ready ? 'True' : 'False'), true);
    });

  const waitingCases: [string, Waiting][] = [
    ['ErrImagePull', { reason: 'ErrImagePull', message: 'pull access denied for nope' }],
    [
      'ImagePullBackOff',
      { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:1": ErrImagePull: denied' },
    ],
    [
      'CreateContainerConfigError',
      { reason: 'CreateContainerConfigError', message: 'configmap "x" not found' },
    ],
    [
      'ErrImageNeverPull',
      {
        reason: 'ErrImageNeverPull',
        message: 'Container image "x:1" is not present with pull policy of Never',
      },
    ],
    [
      'RunContainerError',
      { reason: 'RunContainerError', message: 'exec: "nope": executable file not found' },
    ],
  ];
  for (const [name, w] of waitingCases)
    it(`waiting before the first start: ${name} → Pending with the message`, () => {
      const s = status(pod(), [], { app: w });
      assert.equal(s.phase, 'Pending');
      assert.deepEqual(cs(s).state, { waiting: w });
      assert.deepEqual(cs(s).lastState, {});
    });

  it('CrashLoopBackOff: waiting, lastState is the crash, restartCount, phase Running', () => {
    const msg = 'back-off 20s restarting failed container=app pod=web_default(uid)';
    const s = status(pod(), [exited('app', 1, 1), exited('app', 0, 1)], {
      app: { reason: 'CrashLoopBackOff', message: msg },
    });
    assert.equal(s.phase, 'Running');
    const c = cs(s);
    assert.deepEqual(c.state, { waiting: { reason: 'CrashLoopBackOff', message: msg } });
    assert.deepEqual(c.lastState, {
      terminated: {
        exitCode: 1,
        reason: 'Error',
        startedAt: '2025-01-01T00:00:01Z',
        finishedAt: '2025-01-01T00:00:05Z',
        containerID: 'simulated://ex-app-1',
      },
    });
    assert.equal(c.restartCount, 1);
    assert.equal(c.containerID, 'simulated://ex-app-1');
    assert.equal(c.ready, false);
  });

  it('running after a restart: lastState is the previous attempt', () => {
    const s = status(pod(), [running('app', 1), exited('app', 0, 137)]);
    assert.equal(cs(s).restartCount, 1);
    assert.equal(cs(s).lastState.terminated?.exitCode, 137);
    assert.equal(cs(s).lastState.terminated?.reason, 'Error');
  });

  const terminalCases: [string, Pod, ObservedContainer[], string, string, string][] = [
    [
      'Never, exit 0',
      pod({ restartPolicy: 'Never' }),
      [exited('app', 0, 0)],
      'Succeeded',
      'Completed',
      'False|PodCompleted|',
    ],
    [
      'OnFailure, exit 0',
      pod({ restartPolicy: 'OnFailure' }),
      [exited('app', 0, 0)],
      'Succeeded',
      'Completed',
      'False|PodCompleted|',
    ],
    [
      'Never, exit 1',
      pod({ restartPolicy: 'Never' }),
      [exited('app', 0, 1)],
      'Failed',
      'Error',
      'False|ContainersNotReady|containers with unready status: [app]',
    ],
    [
      'Never, OOM killed',
      pod({ restartPolicy: 'Never' }),
      [exited('app', 0, 137, { oomKilled: true })],
      'Failed',
      'OOMKilled',
      'False|ContainersNotReady|containers with unready status: [app]',
    ],
    [
      'Always, exited and not yet restarted',
      pod(),
      [exited('app', 0, 0)],
      'Running',
      'Completed',
      'False|ContainersNotReady|containers with unready status: [app]',
    ],
  ];
  for (const [name, p, containers, phase, reason, ready] of terminalCases)
    it(`terminated: ${name} → ${phase} (${reason})`, () => {
      const s = status(p, containers);
      assert.equal(s.phase, phase);
      assert.equal(cs(s).state.terminated?.reason, reason);
      assert.equal(cond(s, 'Ready'), ready);
    });

  it('start error: terminated StartError, 128, with the engine message', () => {
    const s = status(pod({ restartPolicy: 'Never' }), [
      observed('app', 0, {
        id: 'se',
        status: 'created',
        error: 'exec: "nope": not found',
        finishedAt: FINISHED,
      }),
    ]);
    assert.deepEqual(cs(s).state, {
      terminated: {
        exitCode: 128,
        reason: 'StartError',
        message: 'exec: "nope": not found',
        finishedAt: '2025-01-01T00:00:05Z',
        containerID: 'simulated://se',
      },
    });
    assert.equal(s.phase, 'Failed');
  });

  it('mixed containers: one waiting keeps the pod Pending', () => {
    const p = pod({ containers: [container('a'), container('b')] });
    const s = status(p, [running('a')], { b: { reason: 'ErrImagePull', message: 'x' } });
    assert.equal(s.phase, 'Pending');
    assert.equal(cond(s, 'ContainersReady'), 'False|ContainersNotReady|containers with unready status: [b]');
  });

  describe('init containers', () => {
    const p = (policy?: 'Never') =>
      pod({ initContainers: [container('init1'), container('init2')], restartPolicy: policy });
    it('first init running: Pending, Initialized False, app PodInitializing', () => {
      const s = status(p(), [running('init1')]);
      assert.equal(s.phase, 'Pending');
      assert.equal(
        cond(s, 'Initialized'),
        'False|ContainersNotInitialized|containers with incomplete status: [init1 init2]',
      );
      assert.deepEqual(cs(s).state, { waiting: { reason: 'PodInitializing' } });
      assert.deepEqual(
        s.initContainerStatuses!.map((c) => Object.keys(c.state)[0]),
        ['running', 'waiting'],
      );
      assert.equal(s.initContainerStatuses![1].state.waiting?.reason, 'PodInitializing');
    });
    it('inits done, app running: Running, Initialized True', () => {
      const s = status(p(), [exited('init1', 0, 0), exited('init2', 0, 0), running('app')]);
      assert.equal(s.phase, 'Running');
      assert.equal(cond(s, 'Initialized'), 'True||');
      assert.equal(s.initContainerStatuses![1].state.terminated?.reason, 'Completed');
    });
    it('sidecar: started counts as initialized, its readiness counts for the pod', () => {
      const sc = pod({ initContainers: [container('proxy', { restartPolicy: 'Always' })] });
      const s = status(sc, [running('proxy'), running('app')], {}, { 'run-proxy-0': { ready: false } });
      assert.equal(s.phase, 'Running');
      assert.equal(cond(s, 'Initialized'), 'True||');
      assert.equal(
        cond(s, 'ContainersReady'),
        'False|ContainersNotReady|containers with unready status: [proxy]',
      );
      const pending = status(sc, []);
      assert.equal(pending.phase, 'Pending');
      assert.equal(
        cond(pending, 'Initialized'),
        'False|ContainersNotInitialized|containers with incomplete status: [proxy]',
      );
    });
    it('init failed with Never: Failed', () => {
      const s = status(p('Never'), [exited('init1', 0, 1)]);
      assert.equal(s.phase, 'Failed');
    });
    it('init failed and backing off (Always): Pending', () => {
      const s = status(p(), [exited('init1', 0, 1)], { init1: { reason: 'CrashLoopBackOff', message: 'm' } });
      assert.equal(s.phase, 'Pending');
      assert.equal(s.initContainerStatuses![0].state.waiting?.reason, 'CrashLoopBackOff');
      assert.equal(s.initContainerStatuses![0].lastState.terminated?.exitCode, 1);
    });
  });

  it('keeps lastTransitionTime while a condition holds, moves it when it flips', () => {
    const old = '2024-12-31T00:00:00Z';
    const p = pod(
      {},
      {
        status: {
          startTime: old,
          podIP: '10.88.0.1',
          conditions: [
            { type: 'Ready', status: 'False', lastTransitionTime: old },
            { type: 'PodScheduled', status: 'True', lastTransitionTime: old },
          ],
        },
      },
    );
    const s = status(p, [running()]);
    const t = (type: string) => s.conditions!.find((c) => c.type === type)!.lastTransitionTime;
    assert.equal(t('PodScheduled'), old);
    assert.equal(t('Ready'), NOW);
    assert.equal(s.startTime, old);
  });

  it('readiness gates: Ready waits for their conditions; their conditions are kept', () => {
    const gated = (conditions: PodStatus['conditions']) =>
      pod({ readinessGates: [{ conditionType: 'example.com/lb' }] }, { status: { conditions } });
    let s = status(gated([]), [running()]);
    assert.equal(cond(s, 'ContainersReady'), 'True||');
    assert.equal(
      cond(s, 'Ready'),
      'False|ReadinessGatesNotReady|corresponding condition of pod readiness gate "example.com/lb" does not exist.',
    );
    s = status(gated([{ type: 'example.com/lb', status: 'True', lastTransitionTime: NOW }]), [running()]);
    assert.equal(cond(s, 'Ready'), 'True||');
    assert.equal(cond(s, 'example.com/lb'), 'True||');
  });

  it('a terminal phase stays terminal (containers gone after a reboot)', () => {
    const s = status(pod({ restartPolicy: 'Never' }, { status: { phase: 'Succeeded' } }), []);
    assert.equal(s.phase, 'Succeeded');
  });

  const qos: [string, Pod, string][] = [
    ['no resources', pod(), 'BestEffort'],
    [
      'requests only',
      pod({ containers: [container('a', { resources: { requests: { cpu: '100m' } } })] }),
      'Burstable',
    ],
    [
      'limits = requests for cpu and memory',
      pod({ containers: [container('a', { resources: { limits: { cpu: '1', memory: '1Gi' } } })] }),
      'Guaranteed',
    ],
    [
      'memory limit only',
      pod({ containers: [container('a', { resources: { limits: { memory: '1Gi' } } })] }),
      'Burstable',
    ],
  ];
  for (const [name, p, want] of qos) it(`qosClass: ${name} → ${want}`, () => assert.equal(qosClass(p), want));

  describe('statusPatch', () => {
    it('nothing changed → no patch (a quiet resync writes nothing)', () => {
      const s = status(pod(), [running()]);
      const again = status(pod({}, { status: s }), [running()]);
      assert.equal(statusPatch(s, again), undefined);
    });
    it('only the keys that changed; fields of others are left alone', () => {
      const s = status(pod(), [running()]);
      const cur: PodStatus = { ...s, reason: 'SomeoneElse', phase: 'Pending' };
      assert.deepEqual(statusPatch(cur, s), { phase: 'Running' });
    });
    it('a key that disappears is removed with null', () => {
      const s = status(pod(), [running()]);
      const cur: PodStatus = { ...s, initContainerStatuses: [] };
      assert.deepEqual(statusPatch(cur, s), { initContainerStatuses: null });
    });
  });
});
