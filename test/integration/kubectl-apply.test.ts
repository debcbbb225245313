import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { ROOT, cleanup, kubectl, kubectlOk, request, startHub, type HubProcess } from '../helpers/hub.js';

const EXAMPLE = join(ROOT, 'examples', 'federated-deployment.yaml');

interface FedDeploy {
  metadata: { name: string; generation: number; resourceVersion: string; uid: string };
  spec: { overrides: { clusterName: string; clusterOverrides: { path: string; value: unknown }[] }[] };
  status?: unknown;
}

describe('kubectl apply of a kubefed-style FederatedDeployment (real kubectl, real hub)', function () {
  this.timeout(60_000);
  let hub: HubProcess;
  before(async () => {
    // The API server alone: these tests write federated objects' status themselves.
    hub = await startHub({ extraArgs: ['--no-controllers'] });
  });
  after(async () => {
    await hub.stop();
    cleanup(hub.dataDir);
  });

  const get = (): FedDeploy =>
    JSON.parse(
      kubectlOk(hub.kubeconfig, [
        'get',
        'federateddeployment',
        'test-deployment',
        '-n',
        'demo',
        '-o',
        'json',
      ]),
    ) as FedDeploy;

  it('creates with default (strict) validation, then re-applies an edit as a merge patch', () => {
    const out = kubectlOk(hub.kubeconfig, ['apply', '-f', EXAMPLE]);
    assert.match(out, /federateddeployment.types.kubefed.io\/test-deployment created/);
    const first = get();
    assert.equal(first.metadata.generation, 1);
    assert.equal(first.spec.overrides[0].clusterOverrides[0].value, 5);

    const edited = readFileSync(EXAMPLE, 'utf8').replace('value: 5', 'value: 7');
    assert.match(kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], edited), /configured/);
    const second = get();
    assert.equal(second.spec.overrides[0].clusterOverrides[0].value, 7);
    assert.equal(second.metadata.generation, 2, 'a spec change bumps generation');
    assert.equal(second.metadata.uid, first.metadata.uid);

    assert.match(kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], edited), /unchanged/);
    assert.equal(
      get().metadata.resourceVersion,
      second.metadata.resourceVersion,
      'a no-op apply writes nothing',
    );
  });

  it('prints a table with the CRD printer columns, filled from status', async () => {
    let table = kubectlOk(hub.kubeconfig, ['get', 'fdeploy', '-n', 'demo']);
    assert.match(table.split('\n')[0], /^NAME\s+CLUSTERS\s+READY\s+PROPAGATION\s+AGE\s*$/);
    const cur = get();
    const withStatus = {
      ...cur,
      status: {
        clustersSummary: '2/2',
        readySummary: '5/8',
        conditions: [
          {
            type: 'Propagation',
            status: 'True',
            reason: '',
            lastTransitionTime: new Date().toISOString().replace(/\.\d+Z/, 'Z'),
          },
        ],
      },
    };
    const res = await request(
      hub,
      'PUT',
      '/apis/types.kubefed.io/v1beta1/namespaces/demo/federateddeployments/test-deployment/status',
      withStatus,
    );
    assert.equal(res.status, 200, res.body);
    table = kubectlOk(hub.kubeconfig, ['get', 'fdeploy', '-n', 'demo']);
    assert.match(table.split('\n')[1], /^test-deployment\s+2\/2\s+5\/8\s+True\s+\d+s\s*$/);
    assert.equal(get().metadata.generation, 2, 'a status write does not bump generation');
  });

  it('round-trips -o yaml: what get prints, apply accepts unchanged', () => {
    const y = kubectlOk(hub.kubeconfig, ['get', 'fdeploy', 'test-deployment', '-n', 'demo', '-o', 'yaml']);
    const parsed = yaml.load(y) as FedDeploy;
    assert.equal(parsed.metadata.name, 'test-deployment');
    const before = get();
    assert.deepEqual(parsed.spec, before.spec, '-o yaml and -o json agree');
    // kubectl replace refreshes the last-applied annotation, so the object is written, but the
    // spec, identity and generation come back unchanged.
    const out = kubectlOk(hub.kubeconfig, ['replace', '-f', '-'], y);
    assert.match(out, /replaced/);
    const after = get();
    assert.deepEqual(after.spec, before.spec);
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.equal(after.metadata.generation, before.metadata.generation, 'no spec change, no new generation');
  });

  it('kubectl explain reads the CRD schema through OpenAPI v3', () => {
    const out = kubectlOk(hub.kubeconfig, ['explain', 'federateddeployment.spec']);
    assert.match(out, /KIND:\s+FederatedDeployment/);
    assert.match(out, /placement\s+<Object>/);
    assert.match(out, /template\s+<Object>/);
    assert.match(out, /overrides\s+<\[\]Object>/);
    const deep = kubectlOk(hub.kubeconfig, ['explain', 'federateddeployment.spec.placement.clusters']);
    assert.match(deep, /name\s+<string> -required-/);
  });

  it('serves aggregated discovery, so kubectl knows short names and categories', () => {
    const out = kubectlOk(hub.kubeconfig, ['api-resources', '--api-group', 'types.kubefed.io']);
    assert.match(
      out,
      /federateddeployments\s+fdeploy\s+types.kubefed.io\/v1beta1\s+true\s+FederatedDeployment/,
    );
    assert.match(kubectlOk(hub.kubeconfig, ['get', 'federated', '-A']), /test-deployment/);
  });

  it('kubectl diff shows a pending change without storing it (dryRun=All)', () => {
    const rv = get().metadata.resourceVersion;
    const r = kubectl(hub.kubeconfig, ['diff', '-f', EXAMPLE]);
    assert.equal(r.code, 1, `diff exits 1 when there are differences: ${r.stderr}`);
    assert.match(r.stdout, /-\s+value: 7\n\+\s+value: 5/);
    assert.equal(get().metadata.resourceVersion, rv, 'dry run stored nothing');
    assert.equal(get().spec.overrides[0].clusterOverrides[0].value, 7);
  });
});
