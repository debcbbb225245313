/**
 * Installing edgefed with Helm (helm/edgefed-hub, helm/edgefed-agent) or kustomize
 * (deploy/kustomize): the charts rendered by test/helpers/helm-render.ts (Helm's template subset,
 * strict), the kustomizations by the real `kubectl kustomize`; every object checked against the
 * Kubernetes API types and applied with `kubectl apply --dry-run=server` to a real hub; the
 * rendered commands run for real (the hub answers its probes with the StatefulSet's arguments, the
 * controllers lead with the in-cluster Deployment's, the agent's init container joins a hub once).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import yaml from 'js-yaml';
import {
  kubernetesFieldErrors,
  renderChart,
  TemplateError,
  toManifest,
  type KubeObject,
  type RenderedChart,
  type ValueMap,
} from '../helpers/helm-render.js';
import {
  ROOT,
  cleanup,
  kubectl,
  kubectlOk,
  request,
  startHub,
  tempDir,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';
import { startEtcd } from '../helpers/etcd.js';
import { createCA } from '../../pki/pki.js';

const HUB_CHART = join(ROOT, 'helm', 'edgefed-hub');
const AGENT_CHART = join(ROOT, 'helm', 'edgefed-agent');
const KUSTOMIZE = join(ROOT, 'deploy', 'kustomize');
const NS = 'edgefed-system';
const RELEASE = { name: 'edgefed-hub', namespace: NS };
const AGENT_RELEASE = { name: 'edgefed-agent', namespace: NS };
const AGENT_VALUES: ValueMap = {
  hub: { url: 'https://hub.example.com:6443', caCertHash: `sha256:${'ab'.repeat(32)}` },
  clusterName: 'eu-1',
  join: { token: 'abcdef.0123456789abcdef' },
};
const ETCD_VALUES: ValueMap = {
  store: 'etcd',
  etcd: {
    endpoints: ['https://etcd.edgefed-system.svc:2379'],
    tls: { enabled: true, existingSecret: 'edgefed-hub-etcd-tls' },
  },
};
/**
 * Kinds a real cluster serves and the hub does not (so `--dry-run=server` cannot check them): they
 * would be checked against the Kubernetes API types only. None today (the hub serves PVCs too);
 * anything unserved fails the test.
 */
const NOT_SERVED_BY_HUB = new Set<string>();

interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports?: { name: string; containerPort: number; protocol: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
  securityContext?: Record<string, unknown>;
  readinessProbe?: { httpGet: { path: string; port: string; scheme: string } };
  livenessProbe?: { httpGet: { path: string; port: string; scheme: string } };
  startupProbe?: { httpGet: { path: string; port: string; scheme: string } };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; [k: string]: unknown }[];
  securityContext?: Record<string, unknown>;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
}
interface Workload extends KubeObject {
  spec: {
    replicas: number;
    template: { spec: PodSpec };
    volumeClaimTemplates?: { spec: { resources: { requests: { storage: string } } } }[];
  };
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const find = (objs: KubeObject[], kind: string, name?: string): KubeObject => {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  assert.ok(o, `no ${kind} ${name ?? ''} in ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
};
const workload = (objs: KubeObject[], kind: string): Workload => find(objs, kind) as Workload;
const kinds = (objs: KubeObject[]): string[] => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();

function kustomize(dir: string): KubeObject[] {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `kubectl kustomize ${dir}:\n${r.stderr}`);
  return yaml.loadAll(r.stdout).filter((d) => d) as KubeObject[];
}

/** Drops what only Helm adds (its chart and managed-by labels), for comparing with kustomize. */
function withoutHelmLabels(objs: KubeObject[]): KubeObject[] {
  const strip = (labels: Record<string, string> | undefined): void => {
    if (!labels) return;
    delete labels['helm.sh/chart'];
    delete labels['app.kubernetes.io/managed-by'];
  };
  return (JSON.parse(JSON.stringify(objs)) as KubeObject[])
    .map((o) => {
      strip(o.metadata.labels);
      const tpl = (o as Partial<Workload>).spec?.template as {
        metadata?: { labels?: Record<string, string> };
      };
      strip(tpl?.metadata?.labels);
      return o;
    })
    .sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
}

/** The file names in crds/ whose documents are all CustomResourceDefinitions. */
function crdFiles(): string[] {
  return readdirSync(join(ROOT, 'crds'))
    .filter((f) => f.endsWith('.yaml'))
    .filter((f) =>
      (yaml.loadAll(readFileSync(join(ROOT, 'crds', f), 'utf8')) as KubeObject[])
        .filter((d) => d)
        .every((d) => d.kind === 'CustomResourceDefinition'),
    )
    .sort();
}

describe('install with helm or kustomize (charts rendered, checked, dry-run applied to a real hub)', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  /** `group/Kind` of everything the hub serves (from `kubectl api-resources`). */
  let served: Set<string>;

  before(async () => {
    // --no-controllers: the in-cluster test runs the controllers itself and must win their Lease.
    hub = await startHub({ extraArgs: ['--no-controllers', '--no-dns'] });
    served = new Set(
      kubectlOk(hub.kubeconfig, ['api-resources', '--no-headers'])
        .trim()
        .split('\n')
        .map((line) => {
          const cols = line.trim().split(/\s+/);
          const apiVersion = cols[cols.length - 3];
          const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
          return `${group}/${cols[cols.length - 1]}`;
        }),
    );
    kubectlOk(hub.kubeconfig, ['create', 'namespace', NS]);
  });
  after(async () => {
    await hub.stop();
    cleanup(hub.dataDir);
  });

  /**
   * Checks every object against the Kubernetes API types, then applies what the hub serves with
   * `kubectl apply --dry-run=server` (every one must be accepted). Returns the kinds not served.
   */
  function accept(objs: KubeObject[]): string[] {
    for (const o of objs)
      assert.deepEqual(kubernetesFieldErrors(o) ?? [], [], `${o.kind} ${o.metadata.name}`);
    const group = (o: KubeObject): string => (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '');
    const unserved = objs.filter((o) => !served.has(`${group(o)}/${o.kind}`));
    for (const o of unserved)
      assert.ok(NOT_SERVED_BY_HUB.has(o.kind), `${o.apiVersion} ${o.kind} is not served by the hub`);
    const applied = objs.filter((o) => served.has(`${group(o)}/${o.kind}`));
    const out = kubectlOk(hub.kubeconfig, ['apply', '--dry-run=server', '-f', '-'], toManifest(applied));
    const lines = out.split('\n').filter((l) => l.includes('(server dry run)'));
    assert.equal(lines.length, applied.length, out);
    return unserved.map((o) => o.kind);
  }

  describe('edgefed-hub chart', () => {
    it("ships crds/ exactly: every CustomResourceDefinition file, byte for byte, and the in-cluster FTCs equal crds/'s", () => {
      const chart = renderChart(HUB_CHART, { release: RELEASE, values: { mode: 'in-cluster' } });
      assert.deepEqual(
        chart.crds.map((c) => c.file),
        crdFiles(),
        'helm/edgefed-hub/crds/ must hold the CRD files of crds/ (cp crds/<file> helm/edgefed-hub/crds/)',
      );
      assert.ok(chart.crds.length >= 18);
      for (const c of chart.crds)
        assert.equal(
          c.text,
          readFileSync(join(ROOT, 'crds', c.file), 'utf8'),
          `helm/edgefed-hub/crds/${c.file} differs from crds/${c.file}: copy it again`,
        );
      const ftcs = yaml
        .loadAll(readFileSync(join(ROOT, 'crds', 'federatedtypeconfigs.yaml'), 'utf8'))
        .filter((d) => d);
      assert.deepEqual(
        chart.objects.filter((o) => o.kind === 'FederatedTypeConfig'),
        ftcs,
        'templates/federatedtypeconfigs.yaml must wrap a copy of crds/federatedtypeconfigs.yaml',
      );
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      assert.equal(chart.chart.appVersion, pkg.version, 'Chart.yaml appVersion follows package.json');
      assert.equal(renderChart(AGENT_CHART, { values: AGENT_VALUES }).chart.appVersion, pkg.version);
    });

    it('defaults: a standalone hub StatefulSet (SQLite on a PVC), its Services, probes on /readyz and /livez; accepted by the hub', () => {
      const chart = renderChart(HUB_CHART, { release: RELEASE });
      assert.deepEqual(kinds(chart.objects), [
        'Service/edgefed-hub',
        'Service/edgefed-hub-headless',
        'ServiceAccount/edgefed-hub',
        'StatefulSet/edgefed-hub',
      ]);
      const sts = workload(chart.objects, 'StatefulSet');
      assert.equal(sts.spec.replicas, 1);
      const pod = sts.spec.template.spec;
      const c = pod.containers[0];
      assert.equal((c as { image?: string }).image, `ghcr.io/edgefed/edgefed:${chart.chart.appVersion}`);
      assert.deepEqual(c.command, ['edgefed']);
      assert.deepEqual(c.args?.slice(0, 4), [
        'hub',
        '--data-dir=/var/lib/edgefed',
        '--bind=0.0.0.0',
        '--port=6443',
      ]);
      assert.ok(
        c.args?.includes(
          '--advertise=edgefed-hub,edgefed-hub.edgefed-system,edgefed-hub.edgefed-system.svc,edgefed-hub.edgefed-system.svc.cluster.local',
        ),
        String(c.args),
      );
      for (const a of [
        '--dns-bind=0.0.0.0',
        '--dns-port=5353',
        '--failover-grace=60',
        '--heartbeat-threshold=40',
      ])
        assert.ok(c.args?.includes(a), a);
      assert.ok(!c.args?.some((a) => a.startsWith('--store')), 'SQLite is the default store');
      assert.deepEqual(c.readinessProbe?.httpGet, { path: '/readyz', port: 'https', scheme: 'HTTPS' });
      assert.deepEqual(c.livenessProbe?.httpGet, { path: '/livez', port: 'https', scheme: 'HTTPS' });
      assert.deepEqual(c.startupProbe?.httpGet, { path: '/livez', port: 'https', scheme: 'HTTPS' });
      assert.deepEqual(
        c.ports?.map((p) => `${p.name}:${p.containerPort}/${p.protocol}`),
        ['https:6443/TCP', 'dns-udp:5353/UDP', 'dns-tcp:5353/TCP'],
      );
      assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.equal(pod.automountServiceAccountToken, false, 'the standalone hub never calls the host API');
      assert.deepEqual(
        c.volumeMounts?.map((m) => `${m.name}:${m.mountPath}`),
        ['data:/var/lib/edgefed', 'tmp:/tmp'],
      );
      assert.equal(sts.spec.volumeClaimTemplates?.[0].spec.resources.requests.storage, '1Gi');
      const svc = find(chart.objects, 'Service', 'edgefed-hub') as KubeObject & {
        spec: { ports: { name: string; port: number; protocol: string }[] };
      };
      assert.deepEqual(
        svc.spec.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`),
        ['https:6443/TCP', 'dns-udp:5353/UDP', 'dns-tcp:5353/TCP'],
      );
      assert.match(chart.notes, /admin\.kubeconfig/);
      assert.deepEqual(accept(chart.objects), []);
      // helm installs crds/ first: they apply to the hub too (it serves the same CRDs).
      assert.deepEqual(accept(chart.crds.flatMap((c) => c.objects)), []);
    });

    it("the hub starts with the StatefulSet's arguments and answers /readyz and /livez without credentials, with the Service names in its certificate", async () => {
      const args = workload(renderChart(HUB_CHART, { release: RELEASE }).objects, 'StatefulSet').spec.template
        .spec.containers[0].args as string[];
      // Only what a pod has and a test machine does not: the volume path and fixed ports.
      const extraArgs = args
        .filter((a) => a !== 'hub' && !a.startsWith('--data-dir=') && !a.startsWith('--port='))
        .map((a) => (a.startsWith('--dns-port=') ? '--dns-port=0' : a));
      const h = await startHub({ extraArgs });
      try {
        for (const path of ['/readyz', '/livez']) {
          const r = await request(h, 'GET', path, undefined, {}, { cert: undefined, key: undefined });
          assert.equal(r.status, 200, `${path}: ${r.body}`);
        }
        const san = await new Promise<string>((resolve, reject) => {
          const s = connect(
            { host: '127.0.0.1', port: h.port, ca: h.tls.ca, servername: 'edgefed-hub' },
            () => {
              resolve(s.getPeerCertificate().subjectaltname ?? '');
              s.end();
            },
          );
          s.on('error', reject);
        });
        for (const name of [
          'edgefed-hub',
          'edgefed-hub.edgefed-system.svc',
          'edgefed-hub.edgefed-system.svc.cluster.local',
        ])
          assert.ok(san.includes(`DNS:${name}`), san);
      } finally {
        await h.stop();
        cleanup(h.dataDir);
      }
    });

    it('store: etcd maps to --store etcd --etcd-endpoints with the TLS Secret mounted; accepted by the hub', () => {
      const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      const chart = renderChart(HUB_CHART, {
        release: RELEASE,
        values: {
          store: 'etcd',
          hub: { replicas: 3, advertise: ['hub.example.com', '203.0.113.7'] },
          pki: { caSecret: 'edgefed-hub-ca' },
          etcd: {
            endpoints: ['https://etcd-0.etcd:2379', 'https://etcd-1.etcd:2379'],
            tls: { enabled: true, ca: pem, cert: pem, key: 'KEY' },
          },
        },
      });
      const sts = workload(chart.objects, 'StatefulSet');
      const pod = sts.spec.template.spec;
      const args = pod.containers[0].args ?? [];
      assert.ok(
        args.some(
          (a) =>
            a.startsWith('--advertise=edgefed-hub,') &&
            a.endsWith('.svc.cluster.local,hub.example.com,203.0.113.7'),
        ),
        String(args),
      );
      const etcdArgs = args.slice(args.indexOf('--store=etcd'));
      assert.deepEqual(etcdArgs, [
        '--store=etcd',
        '--etcd-endpoints=https://etcd-0.etcd:2379,https://etcd-1.etcd:2379',
        '--etcd-prefix=/registry',
        '--etcd-cafile=/etc/edgefed/etcd/ca.crt',
        '--etcd-certfile=/etc/edgefed/etcd/tls.crt',
        '--etcd-keyfile=/etc/edgefed/etcd/tls.key',
        '--replica-id=$(POD_NAME)',
        '--advertise-url=https://$(POD_IP):6443',
      ]);
      assert.deepEqual(
        pod.containers[0].env?.map((e) => e.name),
        ['POD_NAME', 'POD_IP'],
      );
      const secret = find(chart.objects, 'Secret', 'edgefed-hub-etcd-tls') as KubeObject & {
        stringData: Record<string, string>;
      };
      assert.deepEqual(Object.keys(secret.stringData).sort(), ['ca.crt', 'tls.crt', 'tls.key']);
      assert.equal(secret.stringData['ca.crt'], pem);
      assert.deepEqual(pod.volumes?.find((v) => v.name === 'etcd-tls')?.secret, {
        secretName: 'edgefed-hub-etcd-tls',
        defaultMode: 0o440,
      });
      assert.equal(sts.spec.replicas, 3);
      // One CA for every replica: installed from pki.caSecret before the hub starts.
      const init = pod.initContainers?.[0];
      assert.equal(init?.name, 'install-ca');
      assert.match(init?.command?.join(' ') ?? '', /ca\.key/);
      assert.deepEqual(accept(chart.objects), []);

      // An existing Secret (e.g. cert-manager's) is mounted, not created.
      const existing = renderChart(HUB_CHART, { release: RELEASE, values: ETCD_VALUES });
      assert.ok(!existing.objects.some((o) => o.kind === 'Secret'));
    });

    it("the hub runs on a real etcd (TLS) with the etcd variant's arguments, under the CA installed from pki.caSecret", async () => {
      const etcd = await startEtcd({ tls: true });
      const dir = tempDir('edgefed-helm-etcd-');
      let h: HubProcess | undefined;
      try {
        assert.ok(etcd.tls);
        const chart = renderChart(HUB_CHART, {
          release: RELEASE,
          values: {
            store: 'etcd',
            pki: { caSecret: 'edgefed-hub-ca' },
            etcd: {
              endpoints: etcd.endpoints,
              tls: { enabled: true, existingSecret: 'edgefed-hub-etcd-tls' },
            },
          },
        });
        const pod = workload(chart.objects, 'StatefulSet').spec.template.spec;
        // What the pod's volumes hold, here: the data PVC, the CA Secret, the etcd TLS Secret.
        const ca = await createCA('edgefed-helm-test-ca');
        const data = join(dir, 'data');
        const caDir = join(dir, 'ca');
        mkdirSync(caDir);
        writeFileSync(join(caDir, 'ca.crt'), ca.cert);
        writeFileSync(join(caDir, 'ca.key'), ca.key);
        const local = (a: string): string =>
          a
            .replaceAll('/etc/edgefed/etcd/ca.crt', etcd.tls?.ca ?? '')
            .replaceAll('/etc/edgefed/etcd/tls.crt', etcd.tls?.cert ?? '')
            .replaceAll('/etc/edgefed/etcd/tls.key', etcd.tls?.key ?? '')
            .replaceAll('/etc/edgefed/ca', caDir)
            .replaceAll('/var/lib/edgefed', data)
            .replaceAll('$(POD_NAME)', 'edgefed-hub-0')
            .replaceAll('$(POD_IP)', '127.0.0.1');
        const init = pod.initContainers?.find((c) => c.name === 'install-ca');
        assert.equal(init?.command?.[0], 'node');
        const installed = spawnSync(process.execPath, (init?.command ?? []).slice(1).map(local), {
          encoding: 'utf8',
        });
        assert.equal(installed.status, 0, installed.stderr);
        const args = (pod.containers[0].args ?? []).map(local);
        assert.ok(args.includes('--store=etcd') && args.includes('--replica-id=edgefed-hub-0'), String(args));
        h = await startHub({
          dataDir: data,
          extraArgs: args
            .filter((a) => a !== 'hub' && !a.startsWith('--data-dir=') && !a.startsWith('--port='))
            .map((a) => (a.startsWith('--dns-port=') ? '--dns-port=0' : a)),
        });
        assert.equal(h.tls.ca, ca.cert, 'the hub serves under the CA from the Secret');
        assert.equal((await request(h, 'GET', '/readyz')).status, 200);
        kubectlOk(h.kubeconfig, [
          'get',
          'lease',
          '-n',
          'kube-federation-system',
          'edgefed-hub-edgefed-hub-0',
        ]);
      } finally {
        await h?.stop();
        await etcd.stop();
        cleanup(dir);
      }
    });

    it('mode in-cluster: a Deployment of `edgefed controllers` with a ServiceAccount and a ClusterRole for what they touch; accepted by the hub', () => {
      const chart = renderChart(HUB_CHART, { release: RELEASE, values: { mode: 'in-cluster' } });
      assert.deepEqual(kinds(chart.objects.filter((o) => o.kind !== 'FederatedTypeConfig')), [
        'ClusterRole/edgefed-hub-controllers',
        'ClusterRoleBinding/edgefed-hub-controllers',
        'Deployment/edgefed-hub-controllers',
        'Namespace/kube-federation-system',
        'ServiceAccount/edgefed-hub',
      ]);
      const dep = workload(chart.objects, 'Deployment');
      const c = dep.spec.template.spec.containers[0];
      assert.equal(c.args?.[0], 'controllers');
      assert.ok(c.args?.includes('--identity=$(POD_NAME)'));
      assert.ok(!c.args?.some((a) => a.startsWith('--kubeconfig')), 'in-cluster: the ServiceAccount');
      assert.equal(dep.spec.template.spec.serviceAccountName, 'edgefed-hub');
      const role = find(chart.objects, 'ClusterRole') as KubeObject & { rules: Rule[] };
      const allows = (group: string, resource: string, verb: string): boolean =>
        role.rules.some(
          (r) =>
            r.apiGroups.includes(group) &&
            (r.resources.includes(resource) || r.resources.includes('*')) &&
            r.verbs.includes(verb),
        );
      for (const [g, res, verbs] of [
        ['types.kubefed.io', 'federateddeployments', ['get', 'list', 'watch', 'update', 'patch']],
        ['core.kubefed.io', 'kubefedclusters', ['get', 'list', 'watch']],
        ['core.kubefed.io', 'kubefedclusters/status', ['update', 'patch']],
        ['core.kubefed.io', 'federatedtypeconfigs', ['get', 'list', 'watch']],
        ['scheduling.kubefed.io', 'replicaschedulingpreferences/status', ['patch']],
        ['edgefed.io', 'works', ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']],
        ['multiclusterdns.kubefed.io', 'dnsendpoints', ['create', 'update', 'delete']],
        ['', 'namespaces', ['list', 'watch', 'create', 'delete']],
        ['', 'events', ['create']],
        ['coordination.k8s.io', 'leases', ['get', 'list', 'watch', 'create', 'update']],
      ] as const)
        for (const v of verbs) assert.ok(allows(g, res, v), `${v} ${g}/${res}`);
      const binding = find(chart.objects, 'ClusterRoleBinding') as KubeObject & {
        subjects: { kind: string; name: string; namespace: string }[];
      };
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'edgefed-hub', namespace: NS }]);
      assert.ok(!chart.objects.some((o) => o.kind === 'StatefulSet' || o.kind === 'Service'));
      assert.deepEqual(accept(chart.objects), []);

      // Another API instead of this cluster: its kubeconfig from a Secret.
      const remote = renderChart(HUB_CHART, {
        release: RELEASE,
        values: { mode: 'in-cluster', controllers: { kubeconfigSecret: 'hub-kubeconfig' } },
      });
      const rc = workload(remote.objects, 'Deployment').spec.template.spec;
      assert.ok(rc.containers[0].args?.includes('--kubeconfig=/etc/edgefed/kubeconfig/kubeconfig'));
      assert.deepEqual(rc.volumes?.find((v) => v.name === 'kubeconfig')?.secret, {
        secretName: 'hub-kubeconfig',
        defaultMode: 0o440,
      });
    });

    it("the controllers run with the in-cluster Deployment's arguments and take the controller Lease", async () => {
      const c = workload(
        renderChart(HUB_CHART, { release: RELEASE, values: { mode: 'in-cluster' } }).objects,
        'Deployment',
      ).spec.template.spec.containers[0];
      const pod = 'edgefed-hub-controllers-7d9f-x2x4q';
      // The kubelet expands $(POD_NAME); $KUBECONFIG stands in for the ServiceAccount (both are
      // what client-node's loadFromDefault reads before falling back to in-cluster).
      const args = (c.args ?? []).map((a) => a.replace('$(POD_NAME)', pod));
      const proc = spawn(process.execPath, [join(ROOT, 'bin', 'edgefed'), ...args], {
        env: { ...process.env, KUBECONFIG: hub.kubeconfig },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      try {
        await waitFor(
          'the controller Lease',
          () => {
            const r = kubectl(hub.kubeconfig, [
              'get',
              'lease',
              'edgefed-controller-manager',
              '-n',
              'kube-federation-system',
              '-o',
              'jsonpath={.spec.holderIdentity}',
            ]);
            return r.code === 0 && r.stdout === pod ? true : undefined;
          },
          20_000,
          200,
        ).catch((e: Error) => {
          throw new Error(`${e.message}\n${out}`);
        });
      } finally {
        proc.kill('SIGTERM');
        await exited;
      }
    });

    it('fails loudly on values that cannot work', () => {
      assert.throws(
        () => renderChart(HUB_CHART, { values: { mode: 'hub' } }),
        /mode must be standalone or in-cluster/,
      );
      assert.throws(
        () => renderChart(HUB_CHART, { values: { store: 'postgres' } }),
        /store must be sqlite or etcd/,
      );
      assert.throws(() => renderChart(HUB_CHART, { values: { store: 'etcd' } }), /needs etcd.endpoints/);
      assert.throws(
        () =>
          renderChart(HUB_CHART, {
            values: { ...ETCD_VALUES, etcd: { endpoints: ['http://e:2379'], tls: { enabled: true } } },
          }),
        /etcd.tls.ca .* is required/,
      );
    });
  });

  describe('edgefed-agent chart', () => {
    it('needs the hub, CA hash, cluster name and token: rendering the bare defaults fails and says which', () => {
      assert.throws(() => renderChart(AGENT_CHART), /hub.url is required/);
      assert.throws(
        () => renderChart(AGENT_CHART, { values: { ...AGENT_VALUES, join: { token: '' } } }),
        /join.token is required/,
      );
    });

    it('runtime kubernetes: a Deployment of `agent run --in-cluster` joined by an init container, a PVC, RBAC; accepted by the hub (the PVC too)', () => {
      const chart = renderChart(AGENT_CHART, { release: AGENT_RELEASE, values: AGENT_VALUES });
      assert.deepEqual(kinds(chart.objects), [
        'ClusterRole/edgefed-agent',
        'ClusterRoleBinding/edgefed-agent',
        'Deployment/edgefed-agent',
        'PersistentVolumeClaim/edgefed-agent-data',
        'Secret/edgefed-agent-token',
        'ServiceAccount/edgefed-agent',
      ]);
      const dep = workload(chart.objects, 'Deployment');
      const pod = dep.spec.template.spec;
      assert.deepEqual(pod.containers[0].args, [
        'agent',
        'run',
        '--data-dir=/var/lib/edgefed-agent',
        '--in-cluster',
        '--log-level=info',
      ]);
      const init = pod.initContainers?.[0];
      assert.equal(init?.name, 'join');
      const script = init?.command?.join(' ') ?? '';
      for (const flag of [
        'edgefed agent join',
        '--hub=',
        '--token=',
        '--discovery-token-ca-cert-hash=',
        '--name=',
        '--data-dir=',
      ])
        assert.ok(script.includes(flag), flag);
      const env = Object.fromEntries((init?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
      assert.equal(env.EDGEFED_HUB, 'https://hub.example.com:6443');
      assert.equal(env.EDGEFED_CLUSTER, 'eu-1');
      assert.deepEqual(env.EDGEFED_TOKEN, { secretKeyRef: { name: 'edgefed-agent-token', key: 'token' } });
      assert.deepEqual(pod.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim, {
        claimName: 'edgefed-agent-data',
      });
      const role = find(chart.objects, 'ClusterRole') as KubeObject & { rules: Rule[] };
      assert.deepEqual(role.rules, [
        {
          apiGroups: ['*'],
          resources: ['*'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        },
      ]);
      assert.deepEqual(accept(chart.objects), []);

      // emptyDir instead of a PVC, and an existing token Secret.
      const light = renderChart(AGENT_CHART, {
        release: AGENT_RELEASE,
        values: { ...AGENT_VALUES, persistence: { enabled: false }, join: { existingSecret: 'join-token' } },
      });
      assert.ok(!light.objects.some((o) => o.kind === 'PersistentVolumeClaim' || o.kind === 'Secret'));
      const lp = workload(light.objects, 'Deployment').spec.template.spec;
      assert.deepEqual(lp.volumes?.find((v) => v.name === 'data')?.emptyDir, {});
      assert.deepEqual(accept(light.objects), []);
    });

    it('rbac.scope federatedTypes covers exactly the target kinds of the shipped FederatedTypeConfigs (but ClusterRoles) and pods; accepted by the hub', () => {
      const chart = renderChart(AGENT_CHART, {
        release: AGENT_RELEASE,
        values: { ...AGENT_VALUES, rbac: { scope: 'federatedTypes' } },
      });
      const rules = (find(chart.objects, 'ClusterRole') as KubeObject & { rules: Rule[] }).rules;
      assert.ok(!rules.some((r) => r.apiGroups.includes('*') || r.resources.includes('*')));
      const granted = new Set(
        rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`))),
      );
      const ftcs = yaml
        .loadAll(readFileSync(join(ROOT, 'crds', 'federatedtypeconfigs.yaml'), 'utf8'))
        .filter((d) => d) as { spec: { targetType: { group?: string; pluralName: string } } }[];
      const targets = ftcs.map((f) => `${f.spec.targetType.group ?? ''}/${f.spec.targetType.pluralName}`);
      assert.deepEqual(
        [...granted].filter((g) => g !== '/pods').sort(),
        targets.filter((t) => t !== 'rbac.authorization.k8s.io/clusterroles').sort(),
      );
      assert.ok(rules.some((r) => r.resources.includes('pods') && !r.verbs.includes('create')));
      assert.deepEqual(accept(chart.objects), []);
    });

    it('runtime edge: `agent run --runtime=edge` on the engine socket from the host, no RBAC; accepted by the hub', () => {
      const chart = renderChart(AGENT_CHART, {
        release: AGENT_RELEASE,
        values: { ...AGENT_VALUES, runtime: 'edge', persistence: { enabled: false } },
      });
      assert.ok(!chart.objects.some((o) => o.kind.startsWith('ClusterRole')));
      const pod = workload(chart.objects, 'Deployment').spec.template.spec;
      const args = pod.containers[0].args ?? [];
      assert.ok(args.includes('--runtime=edge'));
      assert.ok(args.includes('--engine=unix:///run/edgefed/engine.sock'));
      assert.ok(args.includes('--node-ip=$(NODE_IP)'));
      assert.ok(!args.includes('--in-cluster'), 'the edge runtime refuses --in-cluster');
      assert.deepEqual(pod.volumes?.find((v) => v.name === 'engine')?.hostPath, {
        path: '/var/run/docker.sock',
        type: 'Socket',
      });
      assert.equal(pod.hostNetwork, true);
      assert.equal(pod.automountServiceAccountToken, false);
      assert.deepEqual(accept(chart.objects), []);
    });

    it('the init container joins a real hub with its token once, and leaves a joined data dir alone', () => {
      const tok = spawnSync(
        process.execPath,
        [
          join(ROOT, 'bin', 'edgefed'),
          'token',
          'create',
          '--kubeconfig',
          hub.kubeconfig,
          '--print-join-command',
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      assert.equal(tok.status, 0, tok.stderr);
      const token = /--token (\S+)/.exec(tok.stdout)?.[1];
      const hash = /--discovery-token-ca-cert-hash (\S+)/.exec(tok.stdout)?.[1];
      assert.ok(token && hash, tok.stdout);
      const chart = renderChart(AGENT_CHART, {
        release: AGENT_RELEASE,
        values: {
          hub: { url: hub.url, caCertHash: hash },
          clusterName: 'helm-joined',
          join: { token, labels: 'region=eu,zone=eu-1' },
        },
      });
      const init = workload(chart.objects, 'Deployment').spec.template.spec.initContainers?.[0];
      assert.ok(init?.command);
      const secrets = chart.objects.filter((o) => o.kind === 'Secret') as (KubeObject & {
        stringData: Record<string, string>;
      })[];
      const dir = tempDir('edgefed-helm-agent-');
      try {
        // `edgefed` on the PATH, as in the image; it logs each call.
        const bin = join(dir, 'bin');
        mkdirSync(bin);
        writeFileSync(
          join(bin, 'edgefed'),
          `#!/bin/sh\necho "$*" >> ${join(dir, 'calls')}\nexec "${process.execPath}" "${join(ROOT, 'bin', 'edgefed')}" "$@"\n`,
        );
        chmodSync(join(bin, 'edgefed'), 0o755);
        const env: Record<string, string> = {};
        for (const e of init.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          env[e.name] = ref
            ? (secrets.find((s) => s.metadata.name === ref.name)?.stringData[ref.key] ?? '')
            : (e.value ?? '');
        }
        env.EDGEFED_DATA_DIR = join(dir, 'data'); // the pod's volume
        const [cmd, ...cmdArgs] = init.command;
        const run = () =>
          spawnSync(cmd, cmdArgs, {
            encoding: 'utf8',
            timeout: 60_000,
            env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: dir, ...env },
          });
        const first = run();
        assert.equal(first.status, 0, `${first.stdout}\n${first.stderr}`);
        assert.ok(existsSync(join(dir, 'data', 'agent.json')));
        const kfc = JSON.parse(
          kubectlOk(hub.kubeconfig, [
            'get',
            'kubefedcluster',
            'helm-joined',
            '-n',
            'kube-federation-system',
            '-o',
            'json',
          ]),
        ) as KubeObject;
        assert.equal(kfc.metadata.labels?.region, 'eu');
        assert.equal(kfc.metadata.labels?.zone, 'eu-1');
        // A restarted pod: joined already, so the container exits 0 without calling edgefed.
        const second = run();
        assert.equal(second.status, 0, second.stderr);
        assert.match(second.stdout, /not joining again/);
        assert.equal(readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').length, 1);
      } finally {
        cleanup(dir);
      }
    });
  });

  describe('kustomize', () => {
    let base: KubeObject[];
    before(() => {
      base = kustomize(join(KUSTOMIZE, 'base'));
    });

    it('base: the chart defaults, object for object (plus the Namespace); accepted by the hub', () => {
      const ns = find(base, 'Namespace', NS);
      const chart = renderChart(HUB_CHART, { release: RELEASE });
      assert.deepEqual(
        withoutHelmLabels(base.filter((o) => o !== ns)),
        withoutHelmLabels(chart.objects),
        'deploy/kustomize/base must render what the chart renders by default',
      );
      const image = (workload(base, 'StatefulSet').spec.template.spec.containers[0] as { image?: string })
        .image;
      assert.equal(image, `ghcr.io/edgefed/edgefed:${chart.chart.appVersion}`);
      assert.deepEqual(accept(base), []);
    });

    it('overlays/etcd: the chart with store etcd and an existing TLS Secret; accepted by the hub', () => {
      const etcd = kustomize(join(KUSTOMIZE, 'overlays', 'etcd'));
      const chart = renderChart(HUB_CHART, { release: RELEASE, values: ETCD_VALUES });
      assert.deepEqual(
        withoutHelmLabels(etcd.filter((o) => o.kind !== 'Namespace')),
        withoutHelmLabels(chart.objects),
        'deploy/kustomize/overlays/etcd must render what the chart renders with store=etcd',
      );
      assert.ok(
        workload(etcd, 'StatefulSet').spec.template.spec.containers[0].args?.includes('--store=etcd'),
      );
      assert.deepEqual(accept(etcd), []);
    });
  });

  describe('the renderer (test/helpers/helm-render.ts)', () => {
    function chartWith(template: string, values = 'a: {b: x}\nn: 3\nlist: [p, q]\n'): RenderedChart {
      const dir = tempDir('edgefed-helm-render-');
      try {
        mkdirSync(join(dir, 'templates'));
        writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: t\nversion: 1.0.0\nappVersion: "2"\n');
        writeFileSync(join(dir, 'values.yaml'), values);
        writeFileSync(join(dir, 'templates', 't.yaml'), template);
        return renderChart(dir, { release: { name: 'r', namespace: 'n' } });
      } finally {
        cleanup(dir);
      }
    }
    const cm = (data: string): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n${data}`;

    it('renders the subset as Helm does (trimming, if/else, pipelines, toYaml | nindent, quote, default, printf)', () => {
      const r = chartWith(
        cm(
          [
            '  a: {{ .Values.a.b }}',
            '  {{- if eq .Values.a.b "y" }}',
            '  no: "1"',
            '  {{- else if .Values.list }}',
            '  list: {{ join "," .Values.list | quote }}',
            '  {{- else }}',
            '  no: "2"',
            '  {{- end }}',
            '  d: {{ .Values.a.b | trimSuffix "x" | default "dflt" }}',
            '  p: {{ printf "%s-%v" .Release.Name .Values.n | quote }}',
            '  v: {{ .Chart.AppVersion | quote }}',
            '  {{- /* a comment */}}',
            '  y: |{{- toYaml .Values.a | nindent 4 }}',
            '',
          ].join('\n'),
        ),
      );
      assert.deepEqual(r.objects[0].data, { a: 'x', list: 'p,q', d: 'dflt', p: 'r-3', v: '2', y: 'b: x\n' });
    });

    it('fails on anything outside the subset, and on values.yaml keys that do not exist', () => {
      for (const [tpl, err] of [
        ['{{ range .Values.list }}x{{ end }}', /range/],
        ['{{ with .Values.a }}x{{ end }}', /with/],
        ['{{ $x := 1 }}', /variables/],
        ['{{ lower "X" }}', /lower is not in the supported template subset/],
        ['{{ .Files.Get "x" }}', /methods such as \.Files\.Get are not in the subset/],
        ['{{ .Files }}', /\.Files is not defined/],
        ['{{ .Capabilities.KubeVersion }}', /\.Capabilities is not defined/],
        ['{{ .Values.a.nope }}', /\.Values\.a\.nope is not defined \(declare it in values\.yaml\)/],
        ['{{ .Values.a }}', /printing a map/],
        ['{{ printf "%d" .Values.n }}', /only %s, %v/],
        ['{{ if eq .Values.n 3 }}x{{ end }}', /Helm fails on number comparisons/],
        ['{{ include "nope" . }}', /undefined template "nope"/],
        ['{{ if .Values.n }}x', /unclosed if/],
      ] as const)
        assert.throws(
          () => chartWith(cm(`  x: ${tpl}\n`)),
          (e: Error) => {
            assert.ok(e instanceof TemplateError, `${tpl}: ${e.message}`);
            assert.match(e.message, err, tpl);
            assert.match(e.message, /templates\/t\.yaml:\d+/, 'names the file and line');
            return true;
          },
        );
    });

    it('kubernetesFieldErrors catches what a real cluster refuses, as the hub now does too', () => {
      const sts = JSON.parse(
        JSON.stringify(workload(renderChart(HUB_CHART).objects, 'StatefulSet')),
      ) as Workload;
      const c: Record<string, unknown> = sts.spec.template.spec.containers[0] as unknown as Record<
        string,
        unknown
      >;
      c.readinesProbe = {};
      c.ports = [{ containerPort: '6443' }];
      assert.deepEqual(kubernetesFieldErrors(sts), [
        'StatefulSet edgefed-hub: spec.template.spec.containers[0].ports[0].containerPort: expected a number, got "6443"',
        'StatefulSet edgefed-hub: spec.template.spec.containers[0]: unknown field "readinesProbe" (V1Container)',
      ]);
      // ...and the hub, which validates built-in kinds against Kubernetes' own schemas, refuses it too.
      const r = kubectl(hub.kubeconfig, ['apply', '--dry-run=server', '-f', '-'], toManifest([sts]));
      assert.notEqual(r.code, 0);
      assert.match(
        r.stderr,
        /strict decoding error: unknown field "spec\.template\.spec\.containers\[0\]\.readinesProbe"/,
      );
      assert.deepEqual(
        kubernetesFieldErrors({
          apiVersion: 'policy/v1beta1',
          kind: 'PodSecurityPolicy',
          metadata: { name: 'p' },
        }),
        ['PodSecurityPolicy p: policy/v1beta1 PodSecurityPolicy is not a Kubernetes kind'],
      );
      assert.equal(
        kubernetesFieldErrors({ apiVersion: 'edgefed.io/v1alpha1', kind: 'Work', metadata: { name: 'w' } }),
        undefined,
      );
    });
  });
});
