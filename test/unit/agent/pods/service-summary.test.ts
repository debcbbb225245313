import assert from 'node:assert/strict';
import { podsOfWorkload, summarizePods, type Pod } from '../../../../agent/pods/summary.js';
import type { KubeObject } from '../../../../api/kubernetes.js';

const pod = (
  name: string,
  o: { ready: boolean; ip?: string; deleting?: boolean; phase?: string; app?: string; ns?: string },
): Pod => ({
  metadata: {
    name,
    namespace: o.ns ?? 'shop',
    labels: { app: o.app ?? 'web' },
    ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  status: {
    phase: o.phase ?? 'Running',
    ...(o.ip === undefined ? { podIP: '10.0.0.1' } : o.ip ? { podIP: o.ip } : {}),
    conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False' }],
  },
});

const svc = (spec: Record<string, unknown>): KubeObject => ({
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop' },
  spec,
});

describe('pod summary of a Service: its ready endpoints', () => {
  const pods = [
    pod('ready', { ready: true }),
    pod('unready', { ready: false }),
    pod('terminating', { ready: true, deleting: true }),
    pod('done', { ready: true, phase: 'Succeeded' }),
    pod('no-ip', { ready: true, ip: '' }),
    pod('other-app', { ready: true, app: 'db' }),
    pod('other-ns', { ready: true, ns: 'x' }),
  ];

  it('counts the backends the endpoints controller would list, ready as in addresses', () => {
    const mine = podsOfWorkload(svc({ selector: { app: 'web' } }), pods);
    assert.deepEqual(
      mine?.map((p) => p.metadata.name),
      ['ready', 'unready'],
    );
    assert.deepEqual(summarizePods(mine ?? []), { total: 2, ready: 1, restarts: 0 });
  });

  it('no summary for a Service without a selector or an ExternalName', () => {
    assert.equal(podsOfWorkload(svc({}), pods), undefined);
    assert.equal(podsOfWorkload(svc({ type: 'ExternalName', selector: { app: 'web' } }), pods), undefined);
  });
});
