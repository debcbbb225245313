import assert from 'node:assert/strict';
import {
  daemonSetRevision,
  planDaemonSet,
  shouldRunOn,
} from '../../../../../agent/edge/controllers/daemonset/plan.js';
import type { DaemonSet, Node } from '../../../../../agent/edge/controllers/daemonset/types.js';
import type { Pod, PodSpec } from '../../../../../agent/edge/controllers/types.js';
import type { PodPhase } from '../../../../../api/core.js';

const node: Node = {
  metadata: { name: 'n1', labels: { 'kubernetes.io/os': 'linux', disk: 'ssd', cores: '4' } },
  spec: {
    taints: [
      { key: 'edge', value: 'true', effect: 'NoSchedule' },
      { key: 'soft', effect: 'PreferNoSchedule' },
    ],
  },
};
const tolerateEdge = [{ key: 'edge', operator: 'Equal', value: 'true', effect: 'NoSchedule' }];

/** The scheduling-relevant part of a pod spec (no containers needed to decide placement). */
type SchedulingSpec = Partial<PodSpec>;

function ds(spec: SchedulingSpec = { tolerations: tolerateEdge }, strategy?: string): DaemonSet {
  return {
    metadata: { name: 'agent', namespace: 'ns', uid: 'ds-uid', generation: 1 },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: spec as PodSpec },
      ...(strategy ? { updateStrategy: { type: strategy } } : {}),
    },
  };
}

function pod(
  name: string,
  d: DaemonSet,
  o: { ready?: boolean; old?: boolean; phase?: PodPhase; created?: string } = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      creationTimestamp: o.created ?? '2026-01-01T00:00:00Z',
      labels: { app: 'agent', 'controller-revision-hash': o.old ? 'old' : daemonSetRevision(d) },
    },
    spec: { containers: [] },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

describe('DaemonSet on the site node', () => {
  const matches: [string, SchedulingSpec, boolean][] = [
    ['tolerated taint, no selector', { tolerations: tolerateEdge }, true],
    ['untolerated NoSchedule taint', {}, false],
    ['Exists toleration without key tolerates all', { tolerations: [{ operator: 'Exists' }] }, true],
    ['nodeSelector matches', { tolerations: tolerateEdge, nodeSelector: { disk: 'ssd' } }, true],
    ['nodeSelector does not', { tolerations: tolerateEdge, nodeSelector: { disk: 'hdd' } }, false],
    [
      'required node affinity In',
      {
        tolerations: tolerateEdge,
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'disk', operator: 'In', values: ['nvme', 'ssd'] }] },
              ],
            },
          },
        },
      },
      true,
    ],
    [
      'required node affinity Gt fails',
      {
        tolerations: tolerateEdge,
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }],
            },
          },
        },
      },
      false,
    ],
  ];
  for (const [name, spec, want] of matches)
    it(`shouldRunOn: ${name}`, () => assert.equal(shouldRunOn(spec as PodSpec, node), want));

  it('creates the one pod when none runs', () => {
    const plan = planDaemonSet(ds(), node, [], Date.now());
    assert.equal(plan.create, true);
    assert.equal(plan.status.desiredNumberScheduled, 1);
  });

  it('keeps the oldest of two, deletes a failed one, and deletes pods where it should not run', () => {
    const d = ds();
    const plan = planDaemonSet(
      d,
      node,
      [pod('a', d, { created: '2026-01-02T00:00:00Z' }), pod('b', d), pod('c', d, { phase: 'Failed' })],
      Date.now(),
    );
    assert.equal(plan.create, false);
    assert.deepEqual(plan.delete.map((p) => p.metadata.name).sort(), ['a', 'c']);
    const off = ds({});
    const misplaced = planDaemonSet(off, node, [pod('x', off)], Date.now());
    assert.deepEqual(
      misplaced.delete.map((p) => p.metadata.name),
      ['x'],
    );
    assert.equal(misplaced.status.numberMisscheduled, 1);
  });

  it('RollingUpdate replaces a pod of an old template; OnDelete does not; a terminating pod holds the slot', () => {
    const d = ds();
    assert.deepEqual(
      planDaemonSet(d, node, [pod('a', d, { old: true })], Date.now()).delete.map((p) => p.metadata.name),
      ['a'],
    );
    const od = ds({ tolerations: tolerateEdge }, 'OnDelete');
    assert.deepEqual(planDaemonSet(od, node, [pod('a', od, { old: true })], Date.now()).delete, []);
    const going = {
      ...pod('a', d, { old: true }),
      metadata: { ...pod('a', d).metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
    };
    assert.equal(planDaemonSet(d, node, [going], Date.now()).create, false);
  });

  it('status', () => {
    const d = ds();
    assert.deepEqual(planDaemonSet(d, node, [pod('a', d)], Date.now()).status, {
      currentNumberScheduled: 1,
      numberMisscheduled: 0,
      desiredNumberScheduled: 1,
      numberReady: 1,
      observedGeneration: 1,
      updatedNumberScheduled: 1,
      numberAvailable: 1,
    });
  });
});
