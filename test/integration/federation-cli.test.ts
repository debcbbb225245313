import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { ROOT, cleanup, kubectl, kubectlOk, startHub, toYaml, type HubProcess } from '../helpers/hub.js';

const BIN = join(ROOT, 'bin', 'edgefed');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function edgefed(hub: HubProcess, args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args, '--kubeconfig', hub.kubeconfig], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function edgefedOk(hub: HubProcess, args: string[]): string {
  const r = edgefed(hub, args);
  if (r.code !== 0)
    throw new Error(`edgefed ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

interface Ftc {
  metadata: { name: string };
  spec: {
    propagation: string;
    targetType: { group?: string; kind: string; pluralName: string; scope: string };
    federatedType: { kind: string; pluralName: string; scope: string };
  };
}

const getFtc = (hub: HubProcess, name: string): Ftc =>
  JSON.parse(
    kubectlOk(hub.kubeconfig, ['get', 'ftc', name, '-n', 'kube-federation-system', '-o', 'json']),
  ) as Ftc;

const WIDGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', shortNames: ['wg'] },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
          },
        },
      },
    ],
  },
};

describe('federation CRDs and the kubefedctl-style CLI (real hub, real kubectl)', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  before(async () => {
    hub = await startHub();
  });
  after(async () => {
    await hub.stop();
    cleanup(hub.dataDir);
  });

  it('serves every shipped CRD', () => {
    const out = kubectlOk(hub.kubeconfig, ['api-resources', '-o', 'name']);
    for (const r of [
      'federateddeployments.types.kubefed.io',
      'federatednamespaces.types.kubefed.io',
      'federatedconfigmaps.types.kubefed.io',
      'federatedclusterroles.types.kubefed.io',
      'kubefedclusters.core.kubefed.io',
      'federatedtypeconfigs.core.kubefed.io',
      'replicaschedulingpreferences.scheduling.kubefed.io',
      'works.edgefed.io',
    ]) {
      assert.match(out, new RegExp(`^${r.replace(/\./g, '\\.')}$`, 'm'), r);
    }
    const wide = kubectlOk(hub.kubeconfig, ['api-resources', '--api-group', 'core.kubefed.io']);
    assert.match(wide, /kubefedclusters\s+kfc\s/);
    assert.match(wide, /federatedtypeconfigs\s+ftc\s/);
    // Short names and the "federated" category work through kubectl.
    kubectlOk(hub.kubeconfig, ['get', 'fdeploy', '-A']);
    kubectlOk(hub.kubeconfig, ['get', 'federated', '-A']);
  });

  it('applies a kubefed-style FederatedNamespace + FederatedConfigMap unchanged', () => {
    const manifest = toYaml(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'test-namespace' } },
      {
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedNamespace',
        metadata: { name: 'test-namespace', namespace: 'test-namespace' },
        spec: { placement: { clusters: [{ name: 'cluster2' }, { name: 'cluster1' }] } },
      },
      {
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedConfigMap',
        metadata: { name: 'test-configmap', namespace: 'test-namespace' },
        spec: {
          template: { data: { A: 'ala ma kota' } },
          placement: { clusters: [{ name: 'cluster2' }, { name: 'cluster1' }] },
          overrides: [
            {
              clusterName: 'cluster2',
              clusterOverrides: [{ path: '/data', value: { foo: 'bar' } }],
            },
          ],
        },
      },
    );
    const out = kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], manifest);
    assert.match(out, /federatednamespace.types.kubefed.io\/test-namespace created/);
    assert.match(out, /federatedconfigmap.types.kubefed.io\/test-configmap created/);
    const cm = JSON.parse(
      kubectlOk(hub.kubeconfig, ['get', 'fcm', 'test-configmap', '-n', 'test-namespace', '-o', 'json']),
    ) as { spec: { overrides: { clusterOverrides: { value: unknown }[] }[] } };
    assert.deepEqual(cm.spec.overrides[0].clusterOverrides[0].value, { foo: 'bar' });
    const table = kubectlOk(hub.kubeconfig, ['get', 'federatedconfigmaps', '-n', 'test-namespace']);
    assert.match(table, /NAME\s+CLUSTERS\s+READY\s+PROPAGATION\s+AGE/);
  });

  it('enable makes a freshly created CRD type federatable (Federated CRD + FTC)', () => {
    kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], toYaml(WIDGET_CRD));
    const out = edgefedOk(hub, ['enable', 'widgets.example.com']);
    assert.match(
      out,
      /customresourcedefinition.apiextensions.k8s.io\/federatedwidgets.types.kubefed.io created/,
    );
    assert.match(out, /federatedtypeconfig.core.kubefed.io\/widgets.example.com created/);

    const ftc = getFtc(hub, 'widgets.example.com');
    assert.equal(ftc.spec.propagation, 'Enabled');
    assert.deepEqual(ftc.spec.targetType, {
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      pluralName: 'widgets',
      scope: 'Namespaced',
    });
    assert.equal(ftc.spec.federatedType.kind, 'FederatedWidget');

    kubectlOk(hub.kubeconfig, ['get', 'federatedwidgets', '-A']);
    kubectlOk(hub.kubeconfig, ['get', 'fwg', '-A']); // f + the CRD's short name
    const created = kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedWidget',
        metadata: { name: 'w1', namespace: 'default' },
        spec: { template: { spec: { size: 3 } }, placement: { clusterSelector: {} } },
      }),
    );
    assert.match(created, /federatedwidget.types.kubefed.io\/w1 created/);

    // Enabling again updates in place.
    const again = edgefedOk(hub, ['enable', 'wg']);
    assert.match(again, /federatedwidgets.types.kubefed.io configured/);
    assert.match(again, /widgets.example.com configured/);
  });

  it('enable --dry-run prints the CRD and FTC and changes nothing', () => {
    const out = edgefedOk(hub, ['enable', 'deploy', '--dry-run']);
    const docs = yaml.loadAll(out) as { kind: string; metadata: { name: string } }[];
    assert.deepEqual(
      docs.map((d) => [d.kind, d.metadata.name]),
      [
        ['CustomResourceDefinition', 'federateddeployments.types.kubefed.io'],
        ['FederatedTypeConfig', 'deployments.apps'],
      ],
    );
  });

  it('federate -o yaml prints a FederatedConfigMap with the right template; without -o it creates it', () => {
    kubectlOk(hub.kubeconfig, ['create', 'namespace', 'shop']);
    kubectlOk(hub.kubeconfig, ['create', 'configmap', 'x', '-n', 'shop', '--from-literal=color=blue']);
    kubectlOk(hub.kubeconfig, ['label', 'configmap', 'x', '-n', 'shop', 'app=web']);
    const out = edgefedOk(hub, ['federate', 'configmap', 'x', '-n', 'shop', '-o', 'yaml']);
    const docs = yaml.loadAll(out);
    assert.equal(docs.length, 1);
    assert.deepEqual(docs[0], {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedConfigMap',
      metadata: { name: 'x', namespace: 'shop' },
      spec: {
        template: { metadata: { labels: { app: 'web' } }, data: { color: 'blue' } },
        placement: { clusterSelector: {} },
      },
    });
    assert.equal(
      kubectl(hub.kubeconfig, ['get', 'fcm', 'x', '-n', 'shop']).code,
      1,
      '-o yaml creates nothing',
    );

    assert.match(
      edgefedOk(hub, ['federate', 'cm', 'x', '-n', 'shop']),
      /federatedconfigmap.types.kubefed.io\/x created/,
    );
    const fcm = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'fcm', 'x', '-n', 'shop', '-o', 'json'])) as {
      spec: { template: { data: Record<string, string> } };
    };
    assert.deepEqual(fcm.spec.template.data, { color: 'blue' });
    const dup = edgefed(hub, ['federate', 'cm', 'x', '-n', 'shop']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /FederatedConfigMap "x" in namespace shop already exists/);
  });

  it('federate wraps a namespace as kubefed did (name = namespace)', () => {
    const out = edgefedOk(hub, ['federate', 'ns', 'shop', '-o', 'yaml']);
    const fed = yaml.load(out) as { kind: string; metadata: unknown; spec: { template: unknown } };
    assert.equal(fed.kind, 'FederatedNamespace');
    assert.deepEqual(fed.metadata, { name: 'shop', namespace: 'shop' });
  });

  it('disable flips propagation to Disabled; --delete removes the FTC and the Federated CRD', () => {
    assert.match(
      edgefedOk(hub, ['disable', 'widgets.example.com']),
      /widgets.example.com propagation disabled/,
    );
    assert.equal(getFtc(hub, 'widgets.example.com').spec.propagation, 'Disabled');
    const del = edgefedOk(hub, ['disable', 'wg', '--delete']);
    assert.match(del, /federatedtypeconfig.core.kubefed.io\/widgets.example.com deleted/);
    assert.match(
      del,
      /customresourcedefinition.apiextensions.k8s.io\/federatedwidgets.types.kubefed.io deleted/,
    );
    assert.notEqual(
      kubectl(hub.kubeconfig, ['get', 'ftc', 'widgets.example.com', '-n', 'kube-federation-system']).code,
      0,
    );
  });

  it('reports clear errors', () => {
    const unknown = edgefed(hub, ['enable', 'gizmos']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /the hub serves no resource type "gizmos"/);
    const fedType = edgefed(hub, ['enable', 'federateddeployments']);
    assert.equal(fedType.code, 1);
    assert.match(fedType.stderr, /already a federated type/);
    const missing = edgefed(hub, ['federate', 'configmap', 'nope', '-n', 'shop', '-o', 'yaml']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ConfigMap "nope" not found in namespace shop/);
    const noArgs = edgefed(hub, ['federate']);
    assert.equal(noArgs.code, 1);
    assert.match(noArgs.stderr, /<type> and <name> are required/);
    const badKubeconfig = spawnSync(process.execPath, [BIN, 'enable', 'cm', '--kubeconfig', '/nonexistent'], {
      encoding: 'utf8',
    });
    assert.equal(badKubeconfig.status, 1);
    assert.match(badKubeconfig.stderr, /kubeconfig \/nonexistent does not exist/);
    const help = spawnSync(process.execPath, [BIN, 'federate', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--placement-all/);
  });
});
