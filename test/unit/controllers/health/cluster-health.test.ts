import assert from 'node:assert/strict';
import {
  HEALTH_ANNOTATION,
  judge,
  statusPatch,
  type HeartbeatLease,
} from '../../../../controllers/health/cluster-health.js';
import type { Condition, KubeFedCluster } from '../../../../api/federation.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function cluster(
  conditions?: Condition[],
  annotations?: Record<string, string>,
  extra: object = {},
): KubeFedCluster {
  return {
    metadata: { name: 'eu1', namespace: 'kube-federation-system', resourceVersion: '7', annotations },
    ...(conditions ? { status: { conditions, ...extra } } : {}),
  };
}
function lease(renewMs: number): HeartbeatLease {
  return {
    metadata: { name: 'agent-heartbeat', namespace: 'edgefed-cluster-eu1' },
    spec: { renewTime: new Date(renewMs).toISOString().replace('Z', '000Z') },
  };
}

describe('cluster health from heartbeats', () => {
  it('is Ready while the heartbeat is within the threshold', () => {
    const v = judge(cluster(), lease(T0 - 39_000), T0, 40);
    assert.equal(v.conditions?.ready.status, 'True');
    assert.equal(v.conditions?.ready.reason, 'ClusterReady');
    assert.equal(v.conditions?.offline.status, 'False');
    assert.equal(v.heartbeat, iso(T0 - 39_000));
  });

  it('is NotReady and Offline once the heartbeat is older than the threshold', () => {
    const v = judge(cluster(), lease(T0 - 41_000), T0, 40);
    assert.equal(v.conditions?.ready.status, 'False');
    assert.equal(v.conditions?.ready.reason, 'ClusterNotReachable');
    assert.equal(v.conditions?.ready.message, `no heartbeat since ${iso(T0 - 41_000)}`);
    assert.equal(v.conditions?.offline.status, 'True');
  });

  it('says so when the agent never connected, or waits for acceptance', () => {
    assert.equal(judge(cluster(), undefined, T0, 40).conditions?.ready.reason, 'AgentNeverConnected');
    assert.equal(judge(cluster(), undefined, T0, 40).conditions?.ready.status, 'False');
    const pending = judge(cluster(undefined, { 'edgefed.io/accepted': 'false' }), undefined, T0, 40);
    assert.equal(pending.conditions?.ready.reason, 'PendingAcceptance');
  });

  it('leaves hand-managed clusters alone until a heartbeat appears', () => {
    const manual = cluster(undefined, { [HEALTH_ANNOTATION]: 'manual' });
    assert.equal(judge(manual, undefined, T0, 40).conditions, undefined);
    assert.equal(statusPatch(manual, judge(manual, undefined, T0, 40), T0, 60), undefined);
    assert.equal(judge(manual, lease(T0 - 100_000), T0, 40).conditions?.ready.status, 'False');
  });

  it('writes the conditions (and heartbeat) when they change, guarded by resourceVersion', () => {
    const c = cluster();
    const ops = statusPatch(c, judge(c, lease(T0 - 1000), T0, 40), T0, 60);
    assert.deepEqual(ops?.[0], { op: 'test', path: '/metadata/resourceVersion', value: '7' });
    assert.equal(ops?.[1].op, 'add');
    assert.equal(ops?.[1].path, '/status');
    const status = ops?.[1].value as { conditions: Condition[]; lastHeartbeatTime: string };
    assert.deepEqual(
      status.conditions.map((x) => [x.type, x.status, x.lastTransitionTime, x.lastProbeTime]),
      [
        ['Ready', 'True', iso(T0), iso(T0)],
        ['Offline', 'False', iso(T0), iso(T0)],
      ],
    );
    assert.equal(status.lastHeartbeatTime, iso(T0 - 1000));
  });

  it('does not write when nothing changed, even as heartbeats move a little', () => {
    const c0 = cluster();
    const first = statusPatch(c0, judge(c0, lease(T0), T0, 40), T0, 60);
    const status = first?.[1].value as { conditions: Condition[]; lastHeartbeatTime: string };
    const c1 = cluster(status.conditions, undefined, { lastHeartbeatTime: status.lastHeartbeatTime });
    // 10 s later, a new heartbeat: still Ready, recorded heartbeat only 10 s old → no write.
    assert.equal(statusPatch(c1, judge(c1, lease(T0 + 10_000), T0 + 10_000, 40), T0 + 10_000, 60), undefined);
    // Once the recorded heartbeat lags by the record interval, it is refreshed alone.
    const ops = statusPatch(c1, judge(c1, lease(T0 + 60_000), T0 + 61_000, 40), T0 + 61_000, 60);
    assert.deepEqual(ops?.slice(1), [
      { op: 'add', path: '/status/lastHeartbeatTime', value: iso(T0 + 60_000) },
    ]);
  });

  it('keeps lastTransitionTime while the status stays, moves it when it flips', () => {
    const old: Condition[] = [
      {
        type: 'Ready',
        status: 'False',
        reason: 'AgentNeverConnected',
        message: 'x',
        lastTransitionTime: iso(T0 - 5000),
      },
      { type: 'ConfigMalformed', status: 'False', lastTransitionTime: iso(T0 - 9000) },
    ];
    const c = cluster(old);
    // Never connected → stale heartbeat: still False, so the transition time stays.
    const stale = statusPatch(c, judge(c, lease(T0 - 100_000), T0, 40), T0, 60);
    const conds = stale?.find((o) => o.path === '/status/conditions')?.value as Condition[];
    const ready = conds.find((x) => x.type === 'Ready');
    assert.equal(ready?.reason, 'ClusterNotReachable');
    assert.equal(ready?.lastTransitionTime, iso(T0 - 5000));
    assert.equal(ready?.lastProbeTime, iso(T0));
    // Other conditions are kept as they are.
    assert.deepEqual(
      conds.find((x) => x.type === 'ConfigMalformed'),
      old[1],
    );
    // → Ready: the transition time moves.
    const up = statusPatch(c, judge(c, lease(T0), T0, 40), T0, 60);
    const upReady = (up?.find((o) => o.path === '/status/conditions')?.value as Condition[]).find(
      (x) => x.type === 'Ready',
    );
    assert.equal(upReady?.lastTransitionTime, iso(T0));
  });
});
