import assert from 'node:assert/strict';
import { cleanup, kubectl, kubectlOk, startHub, toYaml, type HubProcess } from '../helpers/hub.js';

interface Managed {
  manager: string;
  operation: string;
  fieldsV1: Record<string, unknown>;
}

describe('kubectl apply --server-side: field managers and conflicts', function () {
  this.timeout(60_000);
  let hub: HubProcess;
  before(async () => {
    hub = await startHub();
  });
  after(async () => {
    await hub.stop();
    cleanup(hub.dataDir);
  });

  const deployment = (replicas: number, image: string) =>
    toYaml({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] },
        },
      },
    });
  const managed = (): Managed[] =>
    (
      JSON.parse(
        kubectlOk(hub.kubeconfig, [
          'get',
          'deploy',
          'web',
          '-n',
          'default',
          '-o',
          'json',
          '--show-managed-fields',
        ]),
      ) as {
        metadata: { managedFields: Managed[] };
      }
    ).metadata.managedFields;

  it('a second manager changing an owned field gets 409 naming the field; --force-conflicts takes it over', () => {
    assert.match(
      kubectlOk(
        hub.kubeconfig,
        ['apply', '--server-side', '--field-manager', 'alice', '-f', '-'],
        deployment(2, 'nginx:1'),
      ),
      /serverside-applied/,
    );
    const m1 = managed();
    assert.equal(m1.length, 1);
    assert.equal(m1[0].manager, 'alice');
    assert.equal(m1[0].operation, 'Apply');
    const spec = m1[0].fieldsV1['f:spec'] as Record<string, unknown>;
    assert.ok(spec['f:replicas'], 'alice owns .spec.replicas');
    const containers = (spec['f:template'] as Record<string, Record<string, Record<string, unknown>>>)[
      'f:spec'
    ]['f:containers'];
    assert.ok(containers['k:{"name":"web"}'], 'containers are a map list keyed by name');

    const r = kubectl(
      hub.kubeconfig,
      ['apply', '--server-side', '--field-manager', 'bob', '-f', '-'],
      deployment(5, 'nginx:1'),
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "alice": \.spec\.replicas/);
    assert.equal(
      JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'deploy', 'web', '-n', 'default', '-o', 'json'])).spec
        .replicas,
      2,
      'nothing changed',
    );

    kubectlOk(
      hub.kubeconfig,
      ['apply', '--server-side', '--field-manager', 'bob', '--force-conflicts', '-f', '-'],
      deployment(5, 'nginx:1'),
    );
    const obj = JSON.parse(
      kubectlOk(hub.kubeconfig, ['get', 'deploy', 'web', '-n', 'default', '-o', 'json']),
    );
    assert.equal(obj.spec.replicas, 5);
    const m2 = managed();
    const alice = m2.find((m) => m.manager === 'alice');
    const bob = m2.find((m) => m.manager === 'bob');
    assert.ok(
      bob && (bob.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas'],
      'bob owns replicas now',
    );
    assert.ok(alice, 'alice still owns the fields she shares with bob');
    assert.equal(
      (alice.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas'],
      undefined,
      'alice lost replicas',
    );
  });

  it('co-owned fields stay when one manager drops them; a sole owner dropping a field removes it', () => {
    // bob applies without the image change; alice drops replicas from her config entirely.
    const aliceCfg = toYaml({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: { team: 'a' } },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx:1', ports: [{ containerPort: 80 }] }] },
        },
      },
    });
    kubectlOk(hub.kubeconfig, ['apply', '--server-side', '--field-manager', 'alice', '-f', '-'], aliceCfg);
    let obj = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'deploy', 'web', '-n', 'default', '-o', 'json']));
    assert.equal(obj.spec.replicas, 5, 'bob still owns replicas');
    assert.equal(obj.metadata.labels.team, 'a');
    const aliceNoLabel = aliceCfg.replace(/\s+labels:\n\s+team: a/, '');
    kubectlOk(
      hub.kubeconfig,
      ['apply', '--server-side', '--field-manager', 'alice', '-f', '-'],
      aliceNoLabel,
    );
    obj = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'deploy', 'web', '-n', 'default', '-o', 'json']));
    assert.equal(obj.metadata.labels?.team, undefined, 'the label only alice owned is gone');
  });

  it('creates through apply (201) and is idempotent', () => {
    const cm = toYaml({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ssa', namespace: 'default' },
      data: { a: '1' },
    });
    assert.match(
      kubectlOk(hub.kubeconfig, ['apply', '--server-side', '-f', '-'], cm),
      /configmap\/ssa serverside-applied/,
    );
    const rv1 = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'cm', 'ssa', '-n', 'default', '-o', 'json']))
      .metadata.resourceVersion;
    kubectlOk(hub.kubeconfig, ['apply', '--server-side', '-f', '-'], cm);
    const rv2 = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'cm', 'ssa', '-n', 'default', '-o', 'json']))
      .metadata.resourceVersion;
    assert.equal(rv2, rv1, 're-applying the same configuration writes nothing');
  });
});
