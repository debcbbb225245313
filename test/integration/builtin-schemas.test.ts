/**
 * Built-in kinds carry Kubernetes' published schemas (v1.32.0 definitions): kubectl explain,
 * fieldValidation Strict/Warn with kube's messages, kube's defaults, /openapi/v2 and /openapi/v3,
 * and the kinds stored without controllers (PVC, HPA, PDB, ...) with their basic validation.
 */
import assert from 'node:assert/strict';
import { cleanup, kubectl, kubectlOk, request, startHub, toYaml, type HubProcess } from '../helpers/hub.js';

const deployment = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
    },
    ...spec,
  },
});

describe('built-in schemas', function () {
  this.timeout(120_000);
  let hub: HubProcess;

  before(async () => {
    hub = await startHub();
  });

  after(async () => {
    await hub?.stop();
    if (hub) cleanup(hub.dataDir);
  });

  it('kubectl explain walks a built-in kind (OpenAPI v3)', () => {
    const out = kubectlOk(hub.kubeconfig, ['explain', 'deployment.spec.strategy']);
    assert.match(out, /KIND:\s+Deployment/);
    assert.match(out, /FIELD: strategy <Object>/);
    assert.match(out, /rollingUpdate\s+<Object>/);
    assert.match(out, /The deployment strategy to use to replace existing pods with new ones\./);
    const ports = kubectlOk(hub.kubeconfig, ['explain', 'pods.spec.containers.ports.protocol']);
    assert.match(ports, /FIELD: protocol <string>/);
  });

  it("fieldValidation=Strict rejects an unknown field with kube's message", () => {
    const bad = deployment('strict', { bogusField: true });
    const r = kubectl(hub.kubeconfig, ['apply', '-f', '-'], toYaml(bad));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /strict decoding error: unknown field "spec\.bogusField"/);
    assert.equal(kubectl(hub.kubeconfig, ['get', 'deployment', 'strict']).code, 1);
  });

  it('fieldValidation=Warn warns and drops the unknown field', () => {
    const r = kubectl(
      hub.kubeconfig,
      ['apply', '--validate=warn', '-f', '-'],
      toYaml(deployment('warn', { bogusField: true })),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /unknown field "spec\.bogusField"/);
    const got = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'deployment', 'warn', '-o', 'json'])) as {
      spec: Record<string, unknown>;
    };
    assert.equal(got.spec.bogusField, undefined);
  });

  it('wrong types are refused', () => {
    const r = kubectl(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml(deployment('types', { replicas: 'three' })),
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.replicas/);
  });

  it("kube's defaults apply to workloads and their pod templates", () => {
    kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], toYaml(deployment('defaults')));
    const d = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'deployment', 'defaults', '-o', 'json'])) as {
      spec: {
        replicas: number;
        revisionHistoryLimit: number;
        progressDeadlineSeconds: number;
        strategy: { type: string; rollingUpdate: { maxSurge: string; maxUnavailable: string } };
        template: {
          spec: {
            restartPolicy: string;
            dnsPolicy: string;
            schedulerName: string;
            terminationGracePeriodSeconds: number;
            containers: {
              imagePullPolicy: string;
              terminationMessagePath: string;
              ports: { protocol: string }[];
            }[];
          };
        };
      };
    };
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.deepEqual(d.spec.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    const pod = d.spec.template.spec;
    assert.equal(pod.restartPolicy, 'Always');
    assert.equal(pod.dnsPolicy, 'ClusterFirst');
    assert.equal(pod.schedulerName, 'default-scheduler');
    assert.equal(pod.terminationGracePeriodSeconds, 30);
    assert.equal(pod.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(pod.containers[0].terminationMessagePath, '/dev/termination-log');
    assert.equal(pod.containers[0].ports[0].protocol, 'TCP');
  });

  it('serves /openapi/v2 with the built-in definitions and the CRDs', async () => {
    const res = await request(hub, 'GET', '/openapi/v2');
    assert.equal(res.status, 200);
    const doc = JSON.parse(res.body) as {
      swagger: string;
      definitions: Record<
        string,
        { 'x-kubernetes-group-version-kind'?: { kind: string }[]; properties?: Record<string, unknown> }
      >;
    };
    assert.equal(doc.swagger, '2.0');
    const dep = doc.definitions['io.k8s.api.apps.v1.Deployment'];
    assert.deepEqual(
      dep['x-kubernetes-group-version-kind']?.map((g) => g.kind),
      ['Deployment'],
    );
    assert.ok(doc.definitions['io.k8s.api.apps.v1.DeploymentStrategy']);
    const fd = doc.definitions['io.kubefed.types.v1beta1.FederatedDeployment'];
    assert.ok(fd?.properties?.spec, 'FederatedDeployment definition from its CRD');
  });

  it('serves the built-in schemas in /openapi/v3', async () => {
    const res = await request(hub, 'GET', '/openapi/v3/apis/apps/v1');
    assert.equal(res.status, 200);
    const doc = JSON.parse(res.body) as {
      components: {
        schemas: Record<string, { properties: Record<string, { properties?: Record<string, unknown> }> }>;
      };
    };
    const spec = doc.components.schemas['io.k8s.api.apps.v1.Deployment'].properties.spec;
    assert.ok(spec.properties?.strategy);
    assert.ok(spec.properties?.template);
  });

  it("kubectl's imperative create of quota, pdb and priorityclass (protobuf bodies) round-trips", () => {
    kubectlOk(hub.kubeconfig, [
      'create',
      'quota',
      'imperative',
      '--hard=pods=2,requests.memory=1Gi',
      '--scopes=NotTerminating',
    ]);
    kubectlOk(hub.kubeconfig, ['create', 'pdb', 'imperative', '--selector=app=x', '--min-available=50%']);
    kubectlOk(hub.kubeconfig, [
      'create',
      'priorityclass',
      'imperative',
      '--value=1000',
      '--preemption-policy=Never',
    ]);
    const q = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'quota', 'imperative', '-o', 'json'])) as {
      spec: unknown;
    };
    assert.deepEqual(q.spec, { hard: { pods: '2', 'requests.memory': '1Gi' }, scopes: ['NotTerminating'] });
    const p = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'pdb', 'imperative', '-o', 'json'])) as {
      spec: unknown;
    };
    assert.deepEqual(p.spec, { minAvailable: '50%', selector: { matchLabels: { app: 'x' } } });
    const pc = JSON.parse(
      kubectlOk(hub.kubeconfig, ['get', 'priorityclass', 'imperative', '-o', 'json']),
    ) as {
      value: number;
      preemptionPolicy: string;
    };
    assert.deepEqual([pc.value, pc.preemptionPolicy], [1000, 'Never']);
  });

  it('stores the kinds without controllers, with their basic validation', () => {
    const docs = [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', namespace: 'default' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 1,
          maxReplicas: 5,
        },
      },
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'web', namespace: 'default' },
        spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'deny', namespace: 'default' },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      },
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: 'local' },
        provisioner: 'kubernetes.io/no-provisioner',
      },
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 },
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'q', namespace: 'default' },
        spec: { hard: { pods: '10' } },
      },
      {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'l', namespace: 'default' },
        spec: { limits: [{ type: 'Container', default: { cpu: '100m' } }] },
      },
    ];
    kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], toYaml(...docs));
    const names = kubectlOk(hub.kubeconfig, ['get', 'pvc,hpa,pdb,netpol,sc,pc,quota,limits', '-o', 'name'])
      .trim()
      .split('\n');
    for (const want of [
      'persistentvolumeclaim/data',
      'horizontalpodautoscaler.autoscaling/web',
      'poddisruptionbudget.policy/web',
      'networkpolicy.networking.k8s.io/deny',
      'storageclass.storage.k8s.io/local',
      'priorityclass.scheduling.k8s.io/high',
      'resourcequota/q',
      'limitrange/l',
    ])
      assert.ok(names.includes(want), `${want} in ${names.join(' ')}`);
    const bad = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'bad', namespace: 'default' },
      spec: { scaleTargetRef: { kind: 'Deployment' }, minReplicas: 5, maxReplicas: 2 },
    };
    const r = kubectl(hub.kubeconfig, ['apply', '-f', '-'], toYaml(bad));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /HorizontalPodAutoscaler "bad" is invalid/);
    assert.match(r.stderr, /spec\.scaleTargetRef\.name: Required value/);
    assert.match(r.stderr, /spec\.minReplicas: Invalid value: 5: must be less than or equal to maxReplicas/);
  });
});
