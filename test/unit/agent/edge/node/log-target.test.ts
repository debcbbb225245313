import assert from 'node:assert/strict';
import { ApiError } from '../../../../../apiserver/errors.js';
import { engineId, logContainerName, logTarget } from '../../../../../agent/edge/node/log-target.js';
import type { ContainerStatus, PodStatus } from '../../../../../api/core.js';
import { container, pod } from './fixtures.js';

function st(
  state: ContainerStatus['state'],
  lastState: ContainerStatus['lastState'] = {},
  containerID?: string,
): PodStatus {
  return {
    containerStatuses: [
      {
        name: 'app',
        state,
        lastState,
        ready: false,
        restartCount: 0,
        image: 'x',
        imageID: '',
        started: false,
        containerID,
      },
    ],
  };
}

function err(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError);
    return `${e.code} ${e.message}`;
  }
  return 'no error';
}

describe('edge node: which container logs read', () => {
  it('engineId strips the scheme', () => {
    assert.equal(engineId('docker://abc'), 'abc');
    assert.equal(engineId('abc'), 'abc');
  });

  it('container name: the only one, or the one asked for', () => {
    assert.equal(logContainerName(pod(), undefined), 'app');
    const two = pod({ containers: [container('a'), container('b')], initContainers: [container('i')] });
    assert.equal(logContainerName(two, 'i'), 'i');
    assert.equal(
      err(() => logContainerName(two, undefined)),
      '400 a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [i]',
    );
    assert.equal(
      err(() => logContainerName(pod({ containers: [container('a'), container('b')] }), undefined)),
      '400 a container name must be specified for pod web, choose one of: [a b]',
    );
    assert.equal(
      err(() => logContainerName(two, 'zz')),
      '400 container zz is not valid for pod web',
    );
  });

  const term = (id: string) => ({ terminated: { exitCode: 1, containerID: `simulated://${id}` } });
  const cases: [string, PodStatus | undefined, boolean, string][] = [
    ['running', st({ running: {} }, {}, 'simulated://cur'), false, 'cur'],
    ['running, previous', st({ running: {} }, term('old'), 'simulated://cur'), true, 'old'],
    ['terminated', st({ terminated: { exitCode: 0, containerID: 'simulated://done' } }), false, 'done'],
    [
      'CrashLoopBackOff reads the crashed one',
      st({ waiting: { reason: 'CrashLoopBackOff' } }, term('crashed')),
      false,
      'crashed',
    ],
    [
      'previous without one',
      st({ running: {} }, {}, 'simulated://cur'),
      true,
      'ERR 400 previous terminated container "app" in pod "web" not found',
    ],
    [
      'waiting ContainerCreating',
      st({ waiting: { reason: 'ContainerCreating' } }),
      false,
      'ERR 400 container "app" in pod "web" is waiting to start: ContainerCreating',
    ],
    [
      'waiting ErrImagePull',
      st({ waiting: { reason: 'ErrImagePull' } }),
      false,
      `ERR 400 container "app" in pod "web" is waiting to start: image can't be pulled`,
    ],
    [
      'waiting ImagePullBackOff',
      st({ waiting: { reason: 'ImagePullBackOff' } }),
      false,
      'ERR 400 container "app" in pod "web" is waiting to start: trying and failing to pull image',
    ],
    [
      'no status yet',
      undefined,
      false,
      'ERR 400 container "app" in pod "web" is waiting to start - no logs yet',
    ],
  ];
  for (const [name, status, previous, want] of cases)
    it(name, () => {
      let got: string;
      try {
        got = logTarget(pod(), status, 'app', previous);
      } catch (e) {
        assert.ok(e instanceof ApiError);
        got = `ERR ${e.code} ${e.message}`;
      }
      assert.equal(got, want);
    });
});
