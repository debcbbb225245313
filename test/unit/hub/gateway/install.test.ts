import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../api/kubernetes.js';
import type { KubeClient } from '../../../../client/client.js';
import { ApiError } from '../../../../client/errors.js';
import { silentLogger } from '../../../../client/log.js';
import { installFederationApi } from '../../../../hub/gateway/install.js';

const crd = (name: string, extra: Record<string, unknown> = {}): KubeObject =>
  ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: {
      group: 'example.io',
      scope: 'Namespaced',
      names: { plural: name.split('.')[0], kind: 'Thing' },
      versions: [{ name: 'v1', served: true, storage: true }],
      ...extra,
    },
  }) as unknown as KubeObject;

/** A host API in memory: objects by path, with a rule for what is forbidden. */
function fakeHost(forbidden: (method: string, path: string) => boolean = () => false) {
  const objects = new Map<string, Record<string, unknown>>();
  const calls: string[] = [];
  const deny = (method: string, path: string) => {
    calls.push(`${method} ${path}`);
    if (forbidden(method, path)) throw new ApiError(403, 'Forbidden', `${method} ${path}: 403`);
  };
  const nameOf = (o: unknown) => (o as { metadata: { name: string } }).metadata.name;
  const client = {
    async getIfExists(path: string) {
      deny('GET', path);
      return objects.get(path);
    },
    async get(path: string) {
      deny('GET', path);
      const o = objects.get(path);
      if (!o) throw new ApiError(404, 'NotFound', 'not found');
      return o;
    },
    async create(path: string, obj: Record<string, unknown>) {
      deny('POST', path);
      const p = `${path}/${nameOf(obj)}`;
      if (objects.has(p)) throw new ApiError(409, 'AlreadyExists', 'exists');
      const stored = {
        ...obj,
        status: { conditions: [{ type: 'Established', status: 'True' }] },
      };
      objects.set(p, stored);
      return stored;
    },
    async update(path: string, obj: Record<string, unknown>) {
      deny('PUT', path);
      objects.set(path, { ...obj, status: { conditions: [{ type: 'Established', status: 'True' }] } });
      return obj;
    },
  };
  return { client: client as unknown as KubeClient, objects, calls };
}

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

describe('gateway: installing the federation API into a host through its API', () => {
  it('creates the namespace, the CRDs and the defaults once; a second run writes nothing', async () => {
    const h = fakeHost();
    const manifests = [
      crd('things.example.io'),
      {
        apiVersion: 'example.io/v1',
        kind: 'Thing',
        metadata: { name: 'default-thing', namespace: 'kube-federation-system' },
      } as unknown as KubeObject,
    ];
    await installFederationApi(h.client, manifests, silentLogger);
    assert.ok(h.objects.has('/api/v1/namespaces/kube-federation-system'));
    assert.ok(h.objects.has(`${CRDS}/things.example.io`));
    assert.ok(h.objects.has('/apis/example.io/v1/namespaces/kube-federation-system/things/default-thing'));
    assert.ok(h.objects.has('/api/v1/namespaces/kube-federation-system/configmaps/edgefed-defaults'));
    h.calls.length = 0;
    await installFederationApi(h.client, manifests, silentLogger);
    assert.deepEqual(
      h.calls.filter((c) => !c.startsWith('GET')),
      [],
      'nothing written on a second start',
    );
  });

  it('updates a CRD whose spec differs from the shipped one', async () => {
    const h = fakeHost();
    await installFederationApi(h.client, [crd('things.example.io')], silentLogger);
    h.calls.length = 0;
    await installFederationApi(
      h.client,
      [crd('things.example.io', { preserveUnknownFields: false })],
      silentLogger,
    );
    assert.ok(h.calls.includes(`PUT ${CRDS}/things.example.io`));
  });

  it('an identity that may not read CRDs (the helm chart) skips the CRD step; one that may not create a missing CRD fails', async () => {
    const noCrds = fakeHost((_m, p) => p.startsWith(CRDS));
    await installFederationApi(noCrds.client, [crd('things.example.io')], silentLogger);
    const noCreate = fakeHost((m, p) => m === 'POST' && p.startsWith(CRDS));
    await assert.rejects(
      installFederationApi(noCreate.client, [crd('things.example.io')], silentLogger),
      /no CRD things\.example\.io/,
    );
  });
});
