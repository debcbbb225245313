import assert from 'node:assert/strict';
import { jobFinishedEvent, scalingMessage } from '../../../../../agent/edge/controllers/events.js';
import { containerFieldPath, goDuration } from '../../../../../agent/edge/node/pod-events.js';
import type { Pod } from '../../../../../api/core.js';

describe('kubelet and controller-manager event texts', () => {
  it('container field paths', () => {
    const pod = {
      metadata: {},
      spec: { initContainers: [{ name: 'init' }], containers: [{ name: 'web' }] },
    } as unknown as Pod;
    assert.equal(containerFieldPath(pod, 'web'), 'spec.containers{web}');
    assert.equal(containerFieldPath(pod, 'init'), 'spec.initContainers{init}');
  });

  it('durations as Go prints them', () => {
    const cases: [number, string][] = [
      [250, '250ms'],
      [1000, '1s'],
      [1234, '1.234s'],
    ];
    for (const [ms, want] of cases) assert.equal(goDuration(ms), want);
  });

  it('ScalingReplicaSet messages', () => {
    assert.equal(scalingMessage('web-5d8f', 0, 3), 'Scaled up replica set web-5d8f to 3 from 0');
    assert.equal(scalingMessage('web-5d8f', 3, 1), 'Scaled down replica set web-5d8f to 1 from 3');
  });

  it('a finished Job says why', () => {
    const cases: [Parameters<typeof jobFinishedEvent>[0], string | undefined][] = [
      [undefined, undefined],
      [[{ type: 'Complete', status: 'True' }], 'Normal Completed Job completed'],
      [
        [
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          },
        ],
        'Warning BackoffLimitExceeded Job has reached the specified backoff limit',
      ],
      [[{ type: 'Complete', status: 'False' }], undefined],
    ];
    for (const [conds, want] of cases) {
      const e = jobFinishedEvent(conds);
      assert.equal(e && `${e.type} ${e.reason} ${e.message}`, want);
    }
  });
});
