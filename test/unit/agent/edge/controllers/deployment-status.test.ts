import assert from 'node:assert/strict';
import {
  deploymentStatusFor,
  progressRecheckMs,
  setPausedConditions,
} from '../../../../../agent/edge/controllers/deployment/status.js';
import type { DeploymentCondition, DeploymentStatus } from '../../../../../agent/edge/controllers/types.js';
import { T0, at, deepFreeze, deployment, rs } from './fixtures.js';

const NOW = new Date(T0 + 1000_000);
const nowStr = NOW.toISOString().replace(/\.\d{3}Z$/, 'Z');
const summary = (s: DeploymentStatus): Record<string, string> =>
  Object.fromEntries((s.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
const progressing = (
  reason: string,
  updated = at(0),
  status: DeploymentCondition['status'] = 'True',
): DeploymentCondition => ({
  type: 'Progressing',
  status,
  reason,
  message: '',
  lastUpdateTime: updated,
  lastTransitionTime: at(0),
});

describe('deploymentStatusFor', () => {
  it('counts from the ReplicaSets (calculateStatus), omitting zero counters as kube does', () => {
    const d = deployment({ replicas: 3, generation: 4 });
    const oldRS = rs('old', { replicas: 1, actual: 2, available: 1, ready: 2 });
    const newRS = rs('new', { replicas: 3, actual: 3, available: 1, ready: 2 });
    const s = deploymentStatusFor(d, [oldRS, newRS], newRS, NOW, false);
    assert.deepEqual(
      { ...s, conditions: undefined },
      {
        observedGeneration: 4,
        replicas: 5,
        updatedReplicas: 3,
        readyReplicas: 4,
        availableReplicas: 2,
        unavailableReplicas: 2,
        conditions: undefined,
      },
    );
    const none = deploymentStatusFor(deployment({ replicas: 0 }), [], undefined, NOW, false);
    assert.deepEqual(Object.keys(none).sort(), ['conditions', 'observedGeneration']);
  });

  const cases: {
    name: string;
    replicas: number;
    before?: DeploymentStatus;
    rss: { replicas: number; available: number; ready?: number }[];
    want: Record<string, string>;
  }[] = [
    {
      name: 'complete → Available/MinimumReplicasAvailable, Progressing/NewReplicaSetAvailable',
      replicas: 2,
      before: { conditions: [progressing('ReplicaSetUpdated')] },
      rss: [{ replicas: 2, available: 2 }],
      want: { Available: 'True/MinimumReplicasAvailable', Progressing: 'True/NewReplicaSetAvailable' },
    },
    {
      name: 'below replicas - maxUnavailable → Available False',
      replicas: 4,
      before: {
        replicas: 4,
        updatedReplicas: 4,
        readyReplicas: 2,
        availableReplicas: 2,
        conditions: [progressing('NewReplicaSetCreated', at(999))],
      },
      rss: [{ replicas: 4, available: 2 }],
      want: { Available: 'False/MinimumReplicasUnavailable', Progressing: 'True/NewReplicaSetCreated' },
    },
    {
      name: 'a counter moved → Progressing/ReplicaSetUpdated',
      replicas: 4,
      before: { availableReplicas: 1, conditions: [progressing('NewReplicaSetCreated')] },
      rss: [{ replicas: 4, available: 3 }],
      want: { Available: 'True/MinimumReplicasAvailable', Progressing: 'True/ReplicaSetUpdated' },
    },
    {
      name: 'no progress past progressDeadlineSeconds → Progressing False/ProgressDeadlineExceeded',
      replicas: 4,
      before: {
        replicas: 4,
        updatedReplicas: 4,
        readyReplicas: 2,
        availableReplicas: 2,
        conditions: [progressing('ReplicaSetUpdated', at(0))],
      },
      rss: [{ replicas: 4, available: 2 }],
      want: { Available: 'False/MinimumReplicasUnavailable', Progressing: 'False/ProgressDeadlineExceeded' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = deepFreeze(deployment({ replicas: c.replicas, status: c.before }));
      const rss = c.rss.map((r, i) => rs(`r${i}`, r));
      const s = deploymentStatusFor(d, rss, rss[rss.length - 1], NOW, true);
      assert.deepEqual(summary(s), c.want);
    });
  }

  it('keeps a condition untouched when status and reason stay (lastUpdateTime does not churn)', () => {
    const avail: DeploymentCondition = {
      type: 'Available',
      status: 'True',
      reason: 'MinimumReplicasAvailable',
      message: 'Deployment has minimum availability.',
      lastUpdateTime: at(5),
      lastTransitionTime: at(5),
    };
    const d = deployment({ replicas: 1, status: { conditions: [avail] } });
    const s = deploymentStatusFor(d, [rs('a', { replicas: 1 })], undefined, NOW, false);
    assert.deepEqual(s.conditions, [avail]);
  });

  it('a new Progressing reason refreshes lastUpdateTime (the deadline counts from the last progress)', () => {
    const d = deployment({
      replicas: 4,
      status: { availableReplicas: 1, conditions: [progressing('ReplicaSetUpdated', at(1))] },
    });
    const s = deploymentStatusFor(d, [rs('a', { replicas: 4, available: 2 })], undefined, NOW, true);
    const c = s.conditions?.find((x) => x.type === 'Progressing');
    assert.equal(c?.lastUpdateTime, nowStr);
    assert.equal(c?.lastTransitionTime, at(0), 'same status: the transition time stays');
  });

  it('progressRecheckMs: when the deadline would pass; none once complete', () => {
    const d = deployment({ replicas: 2, progressDeadlineSeconds: 60 });
    const updated = new Date(NOW.getTime() - 20_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const s: DeploymentStatus = { conditions: [progressing('ReplicaSetUpdated', updated)] };
    assert.equal(progressRecheckMs(d, s, NOW), 41_000);
    assert.equal(
      progressRecheckMs(
        d,
        { ...s, replicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 1 },
        NOW,
      ),
      undefined,
    );
  });

  it('paused and resumed set Progressing Unknown', () => {
    const status: DeploymentStatus = {};
    setPausedConditions(deployment({ paused: true }), status, NOW);
    assert.deepEqual(summary(status), { Progressing: 'Unknown/DeploymentPaused' });
    setPausedConditions(deployment({}), status, NOW);
    assert.deepEqual(summary(status), { Progressing: 'Unknown/DeploymentResumed' });
  });
});
