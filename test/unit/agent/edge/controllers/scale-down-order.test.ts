import assert from 'node:assert/strict';
import { podsToDeleteForScaleDown } from '../../../../../agent/edge/controllers/scale-down-order.js';
import { deepFreeze, pod, type PodOptions } from './fixtures.js';

describe('podsToDeleteForScaleDown (kube ActivePodsWithRanks order)', () => {
  const cases: { name: string; first: PodOptions; second: PodOptions }[] = [
    { name: 'unassigned before assigned', first: { node: '', ready: true }, second: { ready: true } },
    { name: 'Pending before Running', first: { phase: 'Pending' }, second: { phase: 'Running' } },
    { name: 'Unknown before Running', first: { phase: 'Unknown' }, second: { phase: 'Running' } },
    { name: 'no phase counts as Pending', first: { phase: '' }, second: { phase: 'Unknown' } },
    { name: 'not ready before ready', first: { ready: false }, second: { ready: true } },
    {
      name: 'lower pod-deletion-cost first',
      first: { ready: true, annotations: { 'controller.kubernetes.io/pod-deletion-cost': '-5' } },
      second: { ready: true },
    },
    {
      name: 'ready for less time first',
      first: { ready: true, readySince: 50 },
      second: { ready: true, readySince: 10 },
    },
    {
      name: 'more restarts first',
      first: { ready: false, restarts: 3 },
      second: { ready: false, restarts: 1 },
    },
    { name: 'newer first', first: { created: 20 }, second: { created: 10 } },
    {
      name: 'phase outranks readiness and age',
      first: { phase: 'Pending', ready: true, created: 0 },
      second: { phase: 'Running', ready: false, created: 50 },
    },
    {
      name: 'readiness outranks restarts',
      first: { ready: false, restarts: 0 },
      second: { ready: true, restarts: 9 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = deepFreeze(pod('first', c.first));
      const b = deepFreeze(pod('second', c.second));
      assert.deepEqual(
        podsToDeleteForScaleDown([b, a], 1).map((p) => p.metadata.name),
        ['first'],
      );
      assert.deepEqual(
        podsToDeleteForScaleDown([a, b], 1).map((p) => p.metadata.name),
        ['first'],
      );
    });
  }

  it('picks `count` pods in order, none for 0', () => {
    const pods = [
      pod('ready-old', { ready: true, readySince: 0, created: 0 }),
      pod('pending', { phase: 'Pending' }),
      pod('ready-new', { ready: true, readySince: 30, created: 30 }),
      pod('not-ready', { ready: false }),
    ];
    assert.deepEqual(
      podsToDeleteForScaleDown(pods, 3).map((p) => p.metadata.name),
      ['pending', 'not-ready', 'ready-new'],
    );
    assert.deepEqual(podsToDeleteForScaleDown(pods, 0), []);
  });
});
