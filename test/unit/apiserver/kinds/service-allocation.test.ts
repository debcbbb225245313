import assert from 'node:assert/strict';
import { ApiError } from '../../../../apiserver/errors.js';
import {
  CLAIM_GRACE_MS,
  ServiceAllocator,
  mayReclaim,
  type AllocationRecord,
} from '../../../../apiserver/kinds/allocator.js';
import { parseCidr } from '../../../../apiserver/kinds/cidr.js';
import { prepareService, type ServiceAllocationEnv } from '../../../../apiserver/kinds/service-allocation.js';
import type { ServiceObject } from '../../../../apiserver/kinds/service-types.js';
import { SqliteStore } from '../../../../apiserver/storage/sqlite-store.js';
import type { KubeObject } from '../../../../api/kubernetes.js';

let uidSeq = 0;
function svc(name: string, spec: ServiceObject['spec']): ServiceObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'ns', uid: `uid-${name}-${++uidSeq}` },
    spec: structuredClone(spec),
  };
}

/** Stores a prepared Service as the API server would after its hooks ran. */
async function create(
  env: ServiceAllocationEnv,
  store: SqliteStore,
  s: ServiceObject,
): Promise<ServiceObject> {
  await prepareService(env, s, undefined, false);
  await store.create(`/registry/core/services/ns/${String(s.metadata.name)}`, s);
  return s;
}

function invalidCauses(e: unknown): { field?: string; message: string }[] {
  assert.ok(e instanceof ApiError, String(e));
  assert.equal(e.code, 422);
  return (e.details?.causes ?? []) as { field?: string; message: string }[];
}

describe('Service allocation', () => {
  let store: SqliteStore;
  let env: ServiceAllocationEnv;
  let clock: number;
  beforeEach(() => {
    store = new SqliteStore({ path: ':memory:' });
    clock = 1_000_000;
    env = {
      allocator: new ServiceAllocator(store, () => clock),
      range: parseCidr('10.96.0.0/28'),
      nodePorts: { min: 30000, max: 30004 },
    };
  });
  afterEach(() => store.close());

  it('defaults a ClusterIP Service as kube does and allocates an address in the range', async () => {
    const s = await create(env, store, svc('a', { ports: [{ port: 80 }] }));
    const spec = s.spec ?? {};
    assert.equal(spec.type, 'ClusterIP');
    assert.equal(spec.sessionAffinity, 'None');
    assert.equal(spec.internalTrafficPolicy, 'Cluster');
    assert.deepEqual(spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    assert.match(String(spec.clusterIP), /^10\.96\.0\.(\d+)$/);
    const last = Number(String(spec.clusterIP).split('.')[3]);
    assert.ok(last >= 2 && last <= 14, `${spec.clusterIP} is a host address other than .1`);
    assert.deepEqual(spec.clusterIPs, [spec.clusterIP]);
    assert.deepEqual(spec.ipFamilies, ['IPv4']);
    assert.equal(spec.ipFamilyPolicy, 'SingleStack');
  });

  it('never hands out an address twice, and says when the range is full', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 13; i++) {
      const s = await create(env, store, svc(`s${i}`, { ports: [{ port: 80 }] }));
      assert.ok(!seen.has(String(s.spec?.clusterIP)), `duplicate ${s.spec?.clusterIP}`);
      seen.add(String(s.spec?.clusterIP));
    }
    await assert.rejects(
      prepareService(env, svc('full', { ports: [{ port: 80 }] }), undefined, false),
      (e: ApiError) => e.code === 500 && /range is full/.test(e.message),
    );
  });

  it('refuses a requested address that another Service holds, or one outside the range', async () => {
    await create(env, store, svc('a', { clusterIP: '10.96.0.5', ports: [{ port: 80 }] }));
    await assert.rejects(
      prepareService(env, svc('b', { clusterIP: '10.96.0.5', ports: [{ port: 80 }] }), undefined, false),
      (e) => {
        const [c] = invalidCauses(e);
        assert.equal(c.field, 'spec.clusterIPs');
        assert.match(c.message, /provided IP is already allocated/);
        return true;
      },
    );
    await assert.rejects(
      prepareService(env, svc('c', { clusterIP: '10.0.0.1', ports: [{ port: 80 }] }), undefined, false),
      (e) => {
        assert.match(
          invalidCauses(e)[0].message,
          /not in the valid range\. The range of valid IPs is 10\.96\.0\.0\/28/,
        );
        return true;
      },
    );
  });

  it('reclaims the address of a deleted Service', async () => {
    await create(env, store, svc('a', { clusterIP: '10.96.0.5', ports: [{ port: 80 }] }));
    await store.delete('/registry/core/services/ns/a');
    clock += CLAIM_GRACE_MS + 1;
    const b = await create(env, store, svc('b', { clusterIP: '10.96.0.5', ports: [{ port: 80 }] }));
    assert.equal(b.spec?.clusterIP, '10.96.0.5');
  });

  it('allocates node ports and refuses a port already allocated, naming spec.ports[i].nodePort', async () => {
    const a = await create(
      env,
      store,
      svc('a', {
        type: 'NodePort',
        ports: [
          { name: 'a', port: 80, nodePort: 30001 },
          { name: 'b', port: 81 },
        ],
      }),
    );
    assert.equal(a.spec?.ports?.[0].nodePort, 30001);
    const other = a.spec?.ports?.[1].nodePort ?? 0;
    assert.ok(other >= 30000 && other <= 30004 && other !== 30001);
    assert.equal(a.spec?.externalTrafficPolicy, 'Cluster');
    await assert.rejects(
      prepareService(
        env,
        svc('b', { type: 'NodePort', ports: [{ port: 80, nodePort: 30001 }] }),
        undefined,
        false,
      ),
      (e) => {
        const [c] = invalidCauses(e);
        assert.equal(c.field, 'spec.ports[0].nodePort');
        assert.equal(c.message, 'Invalid value: 30001: provided port is already allocated');
        return true;
      },
    );
    await assert.rejects(
      prepareService(
        env,
        svc('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 31000 }] }),
        undefined,
        false,
      ),
      (e) => /The range of valid ports is 30000-30004/.test(invalidCauses(e)[0].message),
    );
  });

  it('keeps allocated values on an update that leaves them out, and refuses changing the cluster IP', async () => {
    const old = await create(env, store, svc('a', { type: 'NodePort', ports: [{ name: 'http', port: 80 }] }));
    const next: ServiceObject = {
      ...structuredClone(old),
      spec: { type: 'NodePort', ports: [{ name: 'http', port: 80 }] },
    };
    await prepareService(env, next, old, false);
    assert.equal(next.spec?.clusterIP, old.spec?.clusterIP);
    assert.equal(next.spec?.ports?.[0].nodePort, old.spec?.ports?.[0].nodePort);
    const moved: ServiceObject = {
      ...structuredClone(old),
      spec: {
        ...old.spec,
        clusterIP: old.spec?.clusterIP === '10.96.0.14' ? '10.96.0.13' : '10.96.0.14',
        clusterIPs: undefined,
      },
    };
    await assert.rejects(prepareService(env, moved, old, false), (e) => {
      assert.equal(invalidCauses(e)[0].field, 'spec.clusterIPs[0]');
      return true;
    });
    const toClusterIP: ServiceObject = {
      ...structuredClone(old),
      spec: { ...structuredClone(old.spec), type: 'ClusterIP' },
    };
    await prepareService(env, toClusterIP, old, false);
    assert.equal(toClusterIP.spec?.ports?.[0].nodePort, undefined, 'node ports drop with the type');
  });

  it('leaves a headless Service without an address and validates the rest', async () => {
    const h = await create(env, store, svc('h', { clusterIP: 'None', selector: { app: 'x' } }));
    assert.deepEqual(h.spec?.clusterIPs, ['None']);
    const table: [ServiceObject['spec'], string][] = [
      [{ type: 'Weird', ports: [{ port: 1 }] }, 'spec.type'],
      [{}, 'spec.ports'],
      [{ ports: [{ port: 0 }] }, 'spec.ports[0].port'],
      [{ ports: [{ port: 80 }, { port: 81 }] }, 'spec.ports[0].name'],
      [{ ports: [{ port: 80, nodePort: 30000 }] }, 'spec.ports[0].nodePort'],
      [{ type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] }, 'spec.clusterIPs[0]'],
      [{ type: 'ExternalName' }, 'spec.externalName'],
    ];
    for (const [spec, field] of table) {
      await assert.rejects(prepareService(env, svc('x', spec), undefined, true), (e) => {
        assert.ok(
          invalidCauses(e).some((c) => c.field === field),
          `${JSON.stringify(spec)} names ${field}`,
        );
        return true;
      });
    }
  });

  it('dry run allocates nothing', async () => {
    const s = svc('d', { clusterIP: '10.96.0.7', ports: [{ port: 80 }] });
    await prepareService(env, s, undefined, true);
    assert.equal(await store.get('/registry/edgefed.io/allocations/serviceips/10.96.0.7'), undefined);
  });
});

describe('mayReclaim', () => {
  const rec: AllocationRecord = {
    metadata: { name: 'x' },
    owner: { namespace: 'ns', name: 'a', uid: 'u1' },
    claimedAt: 0,
  };
  const holder = (uid: string): KubeObject => ({ metadata: { name: 'a', namespace: 'ns', uid } });
  const table: [string, Parameters<typeof mayReclaim>, boolean][] = [
    ['same Service name', [rec, { namespace: 'ns', name: 'a', uid: 'u2' }, undefined, () => true, 0], true],
    [
      'held by a live Service',
      [rec, { namespace: 'ns', name: 'b', uid: 'u3' }, holder('u1'), () => true, 1e9],
      false,
    ],
    [
      'live Service released it',
      [rec, { namespace: 'ns', name: 'b', uid: 'u3' }, holder('u1'), () => false, 1e9],
      true,
    ],
    [
      'holder replaced by a namesake',
      [rec, { namespace: 'ns', name: 'b', uid: 'u3' }, holder('u9'), () => true, 1e9],
      true,
    ],
    [
      'young record, Service not written yet',
      [rec, { namespace: 'ns', name: 'b', uid: 'u3' }, undefined, () => true, 10],
      false,
    ],
    [
      'old record, Service gone',
      [rec, { namespace: 'ns', name: 'b', uid: 'u3' }, undefined, () => true, CLAIM_GRACE_MS + 1],
      true,
    ],
  ];
  for (const [name, args, want] of table) it(name, () => assert.equal(mayReclaim(...args), want));
});
