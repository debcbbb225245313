import assert from 'node:assert/strict';
import {
  initialProbeState,
  probeStep,
  probeTiming,
  resolvePort,
  type ProbeKind,
} from '../../../../../agent/edge/node/probe-state.js';
import { container } from './fixtures.js';

describe('edge node: probe results', () => {
  it('initial results: readiness not ready, liveness healthy, startup not started', () => {
    assert.equal(initialProbeState('readiness').result, false);
    assert.equal(initialProbeState('liveness').result, true);
    assert.equal(initialProbeState('startup').result, false);
    assert.equal(initialProbeState('readiness', true).result, true);
  });

  it('timing defaults as the API sets them', () => {
    assert.deepEqual(probeTiming({}, 'readiness'), {
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1000,
      successThreshold: 1,
      failureThreshold: 3,
    });
    const t = probeTiming(
      {
        initialDelaySeconds: 5,
        periodSeconds: 2,
        timeoutSeconds: 3,
        successThreshold: 4,
        failureThreshold: 1,
      },
      'liveness',
    );
    assert.deepEqual(t, {
      initialDelayMs: 5000,
      periodMs: 2000,
      timeoutMs: 3000,
      successThreshold: 1,
      failureThreshold: 1,
    });
    assert.equal(probeTiming({ successThreshold: 2 }, 'readiness').successThreshold, 2);
  });

  const sequences: [
    string,
    ProbeKind,
    { successThreshold?: number; failureThreshold?: number },
    boolean[],
    boolean[],
  ][] = [
    [
      'readiness: one success is enough',
      'readiness',
      {},
      [true, false, false, false],
      [true, true, true, false],
    ],
    [
      'readiness: successThreshold 2',
      'readiness',
      { successThreshold: 2 },
      [true, true, false, true, true],
      [false, true, true, true, true],
    ],
    [
      'liveness: three failures in a row',
      'liveness',
      {},
      [false, false, true, false, false, false],
      [true, true, true, true, true, false],
    ],
    ['liveness: failureThreshold 1', 'liveness', { failureThreshold: 1 }, [false], [false]],
    ['startup: passes once', 'startup', {}, [false, true], [false, true]],
  ];
  for (const [name, kind, probe, results, want] of sequences)
    it(name, () => {
      const t = probeTiming(probe, kind);
      let s = initialProbeState(kind);
      const got = results.map((ok) => (s = probeStep(s, ok, t)).result);
      assert.deepEqual(got, want);
    });

  it('ports by number or by name', () => {
    const c = container('a', { ports: [{ name: 'http', containerPort: 8080 }] });
    assert.equal(resolvePort(80, c), 80);
    assert.equal(resolvePort('8081', c), 8081);
    assert.equal(resolvePort('http', c), 8080);
    assert.equal(resolvePort('nope', c), undefined);
    assert.equal(resolvePort(0, c), undefined);
  });
});
