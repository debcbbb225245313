import assert from 'node:assert/strict';
import type { FederatedStatus } from '../../../../api/federation.js';
import { federatedEvents, schedulingMessage } from '../../../../controllers/sync/events.js';

const T = { kind: 'Deployment', name: 'demo/web' };
const st = (clusters: FederatedStatus['clusters'], reason?: string, message?: string): FederatedStatus => ({
  clusters,
  conditions: [{ type: 'Propagation', status: reason ? 'False' : 'True', reason, message }],
});

describe('federated object events (kubefed reasons, once per status change)', () => {
  const cases: {
    name: string;
    prev?: FederatedStatus;
    next: FederatedStatus;
    gen?: Record<string, number>;
    want: string[];
  }[] = [
    {
      name: 'first apply: waiting then created',
      prev: st([{ name: 'c1', status: 'WaitingForApply' }]),
      next: st([{ name: 'c1' }]),
      gen: { c1: 1 },
      want: ['Normal CreateInClusterSucceeded Created Deployment "demo/web" in cluster "c1"'],
    },
    {
      name: 'a new generation applied is an update',
      prev: st([{ name: 'c1', status: 'WaitingForApply' }]),
      next: st([{ name: 'c1' }]),
      gen: { c1: 3 },
      want: ['Normal UpdateInClusterSucceeded Updated Deployment "demo/web" in cluster "c1"'],
    },
    { name: 'nothing changed: nothing', prev: st([{ name: 'c1' }]), next: st([{ name: 'c1' }]), want: [] },
    {
      name: 'still waiting: nothing',
      prev: st([{ name: 'c1', status: 'WaitingForApply', message: 'x' }]),
      next: st([{ name: 'c1', status: 'WaitingForApply', message: 'x' }]),
      want: [],
    },
    {
      name: 'agent failure',
      prev: st([{ name: 'c1', status: 'WaitingForApply' }]),
      next: st([{ name: 'c1', status: 'CreationFailed', message: 'forbidden' }]),
      want: [
        'Warning CreateInClusterFailed Failed to create Deployment "demo/web" in cluster "c1": forbidden',
      ],
    },
    {
      name: 'overrides fail once',
      prev: st([{ name: 'c1' }]),
      next: st([{ name: 'c1', status: 'ApplyOverridesFailed', message: 'bad path' }]),
      want: ['Warning ApplyOverridesFailed cluster c1: bad path'],
    },
    {
      name: 'unplaced cluster: removed, then gone',
      prev: st([{ name: 'c1' }, { name: 'c2', status: 'WaitingForRemoval' }]),
      next: st([{ name: 'c1' }]),
      want: ['Normal DeleteInClusterSucceeded Deleted Deployment "demo/web" in cluster "c2"'],
    },
    {
      name: 'a cluster back from an outage with nothing new applied: nothing',
      prev: st([{ name: 'c1', status: 'ClusterNotReady' }]),
      next: st([{ name: 'c1' }]),
      gen: { c1: 1 },
      want: [],
    },
    {
      name: 'placement failure',
      prev: st([]),
      next: st([], 'ComputePlacementFailed', 'invalid selector'),
      want: ['Warning ComputePlacementFailed invalid selector'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = federatedEvents(T, c.prev, c.next, (cl) => c.gen?.[cl]).map(
        (e) => `${e.type} ${e.reason} ${e.message}`,
      );
      assert.deepEqual(got, c.want);
    });
  }

  it('RSP decisions read as one line', () => {
    assert.equal(
      schedulingMessage({ b: { replicas: 1 }, a: { replicas: 2 } }, ['c']),
      'Scheduled replicas a: 2, b: 1; failed over from c',
    );
    assert.equal(schedulingMessage({}, []), 'Scheduled replicas (no eligible cluster)');
  });
});
