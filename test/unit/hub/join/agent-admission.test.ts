import assert from 'node:assert/strict';
import { WORK_FINALIZER, type Work } from '../../../../api/federation.js';
import type { RequestAttributes } from '../../../../apiserver/auth/authz.js';
import {
  admitAgent,
  checkFinalizersOnly,
  onlyFinalizerChanged,
  patchKindOf,
  type AgentWrite,
  type PatchKind,
} from '../../../../hub/join/agent-admission.js';

const OWN = 'edgefed-cluster-eu1';

const work = (): Work => ({
  apiVersion: 'edgefed.io/v1alpha1',
  kind: 'Work',
  metadata: {
    name: 'w1',
    namespace: OWN,
    uid: 'u1',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: { 'edgefed.io/cluster': 'eu1' },
    finalizers: ['other.io/keep', WORK_FINALIZER],
  },
  spec: {
    cluster: 'eu1',
    source: {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      resource: 'deployments',
      name: 'web',
      uid: 's',
    },
    manifest: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } },
    deletePolicy: 'Delete',
  },
  status: { conditions: [] },
});

const attrs = (
  verb: string,
  group: string,
  resource: string,
  name?: string,
  sub?: string,
): RequestAttributes => ({
  verb,
  resourceRequest: true,
  group,
  version: group === 'edgefed.io' ? 'v1alpha1' : 'v1',
  resource,
  namespace: OWN,
  name,
  subresource: sub,
  path: '/x',
});

const write = (verb: 'update' | 'patch', body: unknown, patchKind: PatchKind = 'merge'): AgentWrite => ({
  attrs: attrs(verb, 'edgefed.io', 'works', 'w1'),
  body: typeof body === 'string' ? body : JSON.stringify(body),
  patchKind,
});

describe('agent admission: a Work write may change only the agent finalizer', () => {
  const without = (w: Work, f: string) => ({
    ...w,
    metadata: { ...w.metadata, finalizers: (w.metadata.finalizers ?? []).filter((x) => x !== f) },
  });

  const cases: [string, AgentWrite, boolean][] = [
    [
      'merge patch removing its finalizer (what the agent sends)',
      write('patch', { metadata: { finalizers: ['other.io/keep'], resourceVersion: '42' } }),
      true,
    ],
    [
      'merge patch adding its finalizer back',
      write('patch', { metadata: { finalizers: ['other.io/keep', WORK_FINALIZER], resourceVersion: '42' } }),
      true,
    ],
    [
      'merge patch removing someone else’s finalizer',
      write('patch', { metadata: { finalizers: [WORK_FINALIZER], resourceVersion: '42' } }),
      false,
    ],
    [
      'merge patch without a resourceVersion (no precondition)',
      write('patch', { metadata: { finalizers: ['other.io/keep'] } }),
      false,
    ],
    [
      'merge patch changing spec.manifest replicas',
      write('patch', {
        metadata: { resourceVersion: '42' },
        spec: { manifest: { spec: { replicas: 7 } } },
      }),
      false,
    ],
    [
      'merge patch changing a label',
      write('patch', { metadata: { resourceVersion: '42', labels: { 'edgefed.io/cluster': 'us1' } } }),
      false,
    ],
    [
      'JSON patch setting replicas and spec.cluster (finding 3)',
      write(
        'patch',
        [
          { op: 'test', path: '/metadata/resourceVersion', value: '42' },
          { op: 'replace', path: '/spec/manifest/spec/replicas', value: 7 },
          { op: 'replace', path: '/spec/cluster', value: 'us1' },
        ],
        'json',
      ),
      false,
    ],
    [
      'JSON patch removing its finalizer with a resourceVersion test',
      write(
        'patch',
        [
          { op: 'test', path: '/metadata/resourceVersion', value: '42' },
          { op: 'remove', path: '/metadata/finalizers/1' },
        ],
        'json',
      ),
      true,
    ],
    [
      'JSON patch without a resourceVersion',
      write('patch', [{ op: 'remove', path: '/metadata/finalizers/1' }], 'json'),
      false,
    ],
    ['server-side apply', write('patch', { metadata: { resourceVersion: '42' } }, 'apply'), false],
    ['strategic merge patch', write('patch', { metadata: { resourceVersion: '42' } }, 'strategic'), false],
    ['PUT of the Work without its finalizer', write('update', without(work(), WORK_FINALIZER)), true],
    ['PUT with no spec (finding 3)', write('update', { ...work(), spec: undefined }), false],
    [
      'PUT with another spec.cluster',
      write('update', { ...work(), spec: { ...work().spec, cluster: 'us1' } }),
      false,
    ],
    [
      'PUT without a resourceVersion',
      write('update', { ...work(), metadata: { ...work().metadata, resourceVersion: undefined } }),
      false,
    ],
    ['PUT that is not JSON', write('update', 'apiVersion: v1'), false],
    [
      'PUT with a changed status and server fields (the API ignores them)',
      write('update', {
        ...without(work(), WORK_FINALIZER),
        metadata: { ...without(work(), WORK_FINALIZER).metadata, uid: 'x', generation: 9 },
        status: { conditions: [{ type: 'Applied' }] },
      }),
      true,
    ],
  ];
  for (const [what, w, ok] of cases)
    it(`${ok ? 'lets through' : 'refuses'}: ${what}`, () => {
      const r = checkFinalizersOnly(w, work());
      if (ok) assert.equal(r, undefined);
      else assert.ok(r, 'refused');
    });

  it('leaves a write computed from another version to the API (its precondition answers 409)', () => {
    assert.equal(
      checkFinalizersOnly(write('patch', { metadata: { resourceVersion: '41' }, spec: { x: 1 } }), work()),
      undefined,
    );
    assert.equal(
      checkFinalizersOnly(
        write('update', {
          ...work(),
          metadata: { ...work().metadata, resourceVersion: '41' },
          spec: undefined,
        }),
        work(),
      ),
      undefined,
    );
  });

  it('names what changed', () => {
    assert.match(onlyFinalizerChanged(work(), { ...work(), spec: {} }) ?? '', /changes spec$/);
    assert.match(
      onlyFinalizerChanged(work(), { ...work(), metadata: { ...work().metadata, finalizers: [] } }) ?? '',
      /metadata\.finalizers \(other than edgefed\.io\/member-cleanup\)/,
    );
  });

  it('reads patch types from Content-Type as kube names them', () => {
    assert.equal(patchKindOf('application/merge-patch+json; charset=utf-8'), 'merge');
    assert.equal(patchKindOf('application/json-patch+json'), 'json');
    assert.equal(patchKindOf('application/apply-patch+yaml'), 'apply');
    assert.equal(patchKindOf('application/strategic-merge-patch+json'), 'strategic');
    assert.equal(patchKindOf(undefined), 'other');
  });
});

describe('agent admission: requests', () => {
  const none = () => Promise.resolve(undefined);
  const admit = (w: AgentWrite) => admitAgent('eu1', w, () => Promise.resolve(work()));
  const nonResource = (path: string): AgentWrite => ({
    attrs: { verb: 'get', resourceRequest: false, path },
    body: undefined,
    patchKind: 'other',
  });
  const lease = (body: unknown): AgentWrite => ({
    attrs: attrs('create', 'coordination.k8s.io', 'leases'),
    body: JSON.stringify(body),
    patchKind: 'other',
  });

  it('refuses non-resource paths but discovery', async () => {
    for (const p of ['/metrics', '/openapi/v3', '/logs/', '/debug/pprof'])
      assert.ok(await admitAgent('eu1', nonResource(p), none), p);
    for (const p of ['/api', '/apis', '/api/v1', '/apis/edgefed.io/v1alpha1', '/version'])
      assert.equal(await admitAgent('eu1', nonResource(p), none), undefined, p);
  });

  it('lets an agent create its heartbeat Lease and no other', async () => {
    const meta = (name: string, namespace?: string) => ({ metadata: { name, namespace } });
    assert.equal(await admit(lease(meta('agent-heartbeat'))), undefined);
    assert.equal(await admit(lease(meta('agent-heartbeat', OWN))), undefined);
    assert.match((await admit(lease(meta('evil')))) ?? '', /only the leases "agent-heartbeat"/);
    assert.ok(await admit(lease(meta('agent-heartbeat', 'kube-system'))));
    assert.ok(await admit(lease({ metadata: { generateName: 'agent-heartbeat' } })));
    assert.ok(await admit({ ...lease({}), body: Buffer.from('protobuf') }));
  });

  it('checks Work writes against the stored Work; status writes and reads are not its business', async () => {
    assert.ok(await admit(write('patch', { metadata: { resourceVersion: '42' }, spec: { cluster: 'x' } })));
    const status: AgentWrite = {
      ...write('patch', { status: { x: 1 } }),
      attrs: attrs('patch', 'edgefed.io', 'works', 'w1', 'status'),
    };
    assert.equal(await admit(status), undefined);
    // Not in the table at all: the authorizer refuses it, admission has no opinion.
    assert.equal(
      await admit({ ...write('patch', {}), attrs: attrs('delete', 'edgefed.io', 'works', 'w1') }),
      undefined,
    );
  });
});
