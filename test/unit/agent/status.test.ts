import assert from 'node:assert/strict';
import { buildWorkStatus, jsonEqual, type StatusInput } from '../../../agent/status.js';
import type { WorkStatus } from '../../../api/federation.js';

const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-01T00:05:00Z';

describe('agent: Work status building', () => {
  const cases: { name: string; input: StatusInput; want: WorkStatus }[] = [
    {
      name: 'applied, first report',
      input: {
        generation: 2,
        outcome: { ok: true },
        remoteStatus: { readyReplicas: 5 },
        previous: undefined,
        now: T1,
      },
      want: {
        observedGeneration: 2,
        conditions: [
          {
            type: 'Applied',
            status: 'True',
            reason: 'Applied',
            message: 'the member cluster has the manifest as rendered',
            lastTransitionTime: T1,
          },
        ],
        remoteStatus: { readyReplicas: 5 },
      },
    },
    {
      name: 'failure carries clusterStatus and the member message',
      input: {
        generation: 3,
        outcome: { ok: false, clusterStatus: 'UpdateFailed', message: 'field is immutable' },
        remoteStatus: undefined,
        previous: undefined,
        now: T1,
      },
      want: {
        observedGeneration: 3,
        conditions: [
          {
            type: 'Applied',
            status: 'False',
            reason: 'UpdateFailed',
            message: 'field is immutable',
            lastTransitionTime: T1,
          },
        ],
        clusterStatus: 'UpdateFailed',
        message: 'field is immutable',
      },
    },
    {
      name: 'lastTransitionTime kept while the condition holds; other conditions kept',
      input: {
        generation: 4,
        outcome: { ok: true },
        remoteStatus: { readyReplicas: 6 },
        previous: {
          observedGeneration: 3,
          conditions: [
            { type: 'Other', status: 'True' },
            { type: 'Applied', status: 'True', reason: 'Applied', lastTransitionTime: T0 },
          ],
          remoteStatus: { readyReplicas: 5 },
        },
        now: T1,
      },
      want: {
        observedGeneration: 4,
        conditions: [
          { type: 'Other', status: 'True' },
          {
            type: 'Applied',
            status: 'True',
            reason: 'Applied',
            message: 'the member cluster has the manifest as rendered',
            lastTransitionTime: T0,
          },
        ],
        remoteStatus: { readyReplicas: 6 },
      },
    },
    {
      name: 'lastTransitionTime moves when the condition flips',
      input: {
        generation: 1,
        outcome: { ok: false, clusterStatus: 'ManagedLabelFalse', message: 'opted out' },
        remoteStatus: null,
        previous: { conditions: [{ type: 'Applied', status: 'True', lastTransitionTime: T0 }] },
        now: T1,
      },
      want: {
        observedGeneration: 1,
        conditions: [
          {
            type: 'Applied',
            status: 'False',
            reason: 'ManagedLabelFalse',
            message: 'opted out',
            lastTransitionTime: T1,
          },
        ],
        clusterStatus: 'ManagedLabelFalse',
        message: 'opted out',
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(buildWorkStatus(c.input), c.want));
  }

  it('rebuilding from its own output is stable (no write loop)', () => {
    const first = buildWorkStatus({
      generation: 1,
      outcome: { ok: true },
      remoteStatus: { a: 1 },
      previous: undefined,
      now: T0,
    });
    const again = buildWorkStatus({
      generation: 1,
      outcome: { ok: true },
      remoteStatus: { a: 1 },
      previous: first,
      now: T1,
    });
    assert.ok(jsonEqual(first, again));
  });

  it('jsonEqual treats undefined keys as absent', () => {
    assert.ok(jsonEqual({ a: 1, b: undefined }, { a: 1 }));
    assert.ok(!jsonEqual({ a: [1] }, { a: [1, 2] }));
  });
});
