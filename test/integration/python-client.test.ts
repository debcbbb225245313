/**
 * The official Python client (Debian's python3-kubernetes, run by /usr/bin/python3) against the hub,
 * a bare `edgefed apiserver` (a member stand-in) and an edge site's API: list/create/patch/delete,
 * watch.Watch().stream, the dynamic client with discovery, a FederatedDeployment created and patched,
 * VersionApi().get_code(), and a pod log followed until the pod stops.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { SimulatedEngine } from '../../agent/edge/engine/simulated.js';
import { startEdgeSite, type EdgeSite } from '../../agent/edge/site.js';
import { cleanup, startHub, tempDir, type HubProcess } from '../helpers/hub.js';

const PYTHON = '/usr/bin/python3';

const CLIENT_SUITE = String.raw`"""Runs the official Python client against one API server and prints one JSON object of results."""
import json
import sys
import threading
import time

from kubernetes import client, config, dynamic, watch

kubeconfig, ns, federation = sys.argv[1], sys.argv[2], sys.argv[3] == "federation"
config.load_kube_config(config_file=kubeconfig)
api = client.ApiClient()
core = client.CoreV1Api(api)
out = {}

out["version"] = client.VersionApi(api).get_code().git_version

core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))

# watch.Watch().stream: started before the writes, it must see them arrive.
events = []
started = threading.Event()


def follow():
    w = watch.Watch()
    started.set()
    for ev in w.stream(core.list_namespaced_config_map, namespace=ns, timeout_seconds=60):
        events.append((ev["type"], ev["object"].metadata.name, ev["object"].data))
        if ev["type"] == "DELETED":
            w.stop()


t = threading.Thread(target=follow, daemon=True)
t.start()
started.wait()
time.sleep(0.5)  # the stream's request is sent after started is set; the ADDED event is checked either way

cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-cm", labels={"app": "py"}), data={"a": "1"})
core.create_namespaced_config_map(ns, cm)
out["listed"] = [c.metadata.name for c in core.list_namespaced_config_map(ns, label_selector="app=py").items]
core.patch_namespaced_config_map("py-cm", ns, {"data": {"b": "2"}})
out["patched"] = core.read_namespaced_config_map("py-cm", ns).data
core.delete_namespaced_config_map("py-cm", ns)
t.join(30)
out["events"] = [[e[0], e[1]] for e in events]
out["event_data"] = [e[2] for e in events]

# The dynamic client discovers resources from the server's discovery documents.
dyn = dynamic.DynamicClient(api)
deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
dep = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "py-dep"},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "py"}},
        "template": {"metadata": {"labels": {"app": "py"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}},
    },
}
deployments.create(body=dep, namespace=ns)
deployments.patch(
    name="py-dep", namespace=ns, body={"spec": {"replicas": 3}}, content_type="application/merge-patch+json"
)
out["dynamic_replicas"] = deployments.get(name="py-dep", namespace=ns).spec.replicas

if federation:
    fd_api = dyn.resources.get(api_version="types.kubefed.io/v1beta1", kind="FederatedDeployment")
    fd = {
        "apiVersion": "types.kubefed.io/v1beta1",
        "kind": "FederatedDeployment",
        "metadata": {"name": "py-fd"},
        "spec": {
            "template": {"spec": dep["spec"]},
            "placement": {"clusters": [{"name": "cluster1"}]},
        },
    }
    fd_api.create(body=fd, namespace=ns)
    fd_api.patch(
        name="py-fd",
        namespace=ns,
        body={"spec": {"overrides": [{"clusterName": "cluster1", "clusterOverrides": [{"path": "/spec/replicas", "value": 5}]}]}},
        content_type="application/merge-patch+json",
    )
    got = fd_api.get(name="py-fd", namespace=ns)
    out["federated_override"] = got.spec.overrides[0].clusterOverrides[0].value
    out["federated_clusters"] = [c.name for c in got.spec.placement.clusters]

print(json.dumps(out))
`;

const LOG_FOLLOW = String.raw`"""Follows a pod's log with the official Python client: lines arrive while the pod runs, the stream ends when it stops."""
import json
import sys
import time

from kubernetes import client, config

kubeconfig = sys.argv[1]
config.load_kube_config(config_file=kubeconfig)
core = client.CoreV1Api()
pod = client.V1Pod(
    metadata=client.V1ObjectMeta(name="py-logs"),
    spec=client.V1PodSpec(containers=[client.V1Container(name="app", image="busybox:1.36", command=["sleep", "3600"])]),
)
core.create_namespaced_pod("default", pod)
deadline = time.time() + 60
while getattr(core.read_namespaced_pod("py-logs", "default").status, "phase", None) != "Running":
    if time.time() > deadline:
        raise SystemExit("pod did not run")
    time.sleep(0.2)

resp = core.read_namespaced_pod_log("py-logs", "default", follow=True, _preload_content=False)
lines = []
buf = b""
deleted = False
for chunk in resp.stream(1):
    buf += chunk
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        lines.append(line.decode())
        if not deleted:
            # The stream is open and following: stopping the pod must add its exit line and end it.
            core.delete_namespaced_pod("py-logs", "default", grace_period_seconds=0)
            deleted = True
print(json.dumps({"lines": lines}))
`;

interface SuiteResult {
  version: string;
  listed: string[];
  patched: Record<string, string>;
  events: [string, string][];
  event_data: Record<string, string>[];
  dynamic_replicas: number;
  federated_override?: number;
  federated_clusters?: string[];
}

/** Runs a script without blocking the event loop (the edge site's API serves from this process). */
function python(script: string, args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`python ${script} exited ${code}:\n${stderr}\n${stdout}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
      } catch (e) {
        reject(new Error(`python ${script} printed no JSON (${String(e)}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

describe('python client (python3-kubernetes)', function () {
  this.timeout(240_000);
  let dir: string;
  let hub: HubProcess;
  let bare: HubProcess;
  let site: EdgeSite;
  let suite: string;
  let logFollow: string;

  before(async () => {
    dir = tempDir('python-client-');
    suite = join(dir, 'client_suite.py');
    logFollow = join(dir, 'log_follow.py');
    writeFileSync(suite, CLIENT_SUITE);
    writeFileSync(logFollow, LOG_FOLLOW);
    // Both start at once; if one fails the other is still stopped in after().
    const started = await Promise.allSettled([startHub(), startHub({ command: 'apiserver' })]);
    if (started[0].status === 'fulfilled') hub = started[0].value;
    if (started[1].status === 'fulfilled') bare = started[1].value;
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    site = await startEdgeSite({
      dataDir: join(dir, 'site'),
      engine: new SimulatedEngine(),
      nodeName: 'site1',
      nodeIp: '127.0.0.1',
      logger: pino({ level: 'silent' }),
      syncIntervalMs: 200,
    });
  });

  after(async () => {
    await site?.stop();
    await Promise.all([hub?.stop(), bare?.stop()]);
    if (dir) cleanup(dir);
  });

  function checkCommon(r: SuiteResult): void {
    assert.match(r.version, /^v1\.32\.\d+/);
    assert.deepEqual(r.listed, ['py-cm']);
    assert.deepEqual(r.patched, { a: '1', b: '2' });
    // The watch began before the create: it saw the create, the patch and the delete, in order.
    assert.deepEqual(r.events, [
      ['ADDED', 'py-cm'],
      ['MODIFIED', 'py-cm'],
      ['DELETED', 'py-cm'],
    ]);
    assert.deepEqual(r.event_data[1], { a: '1', b: '2' });
    assert.equal(r.dynamic_replicas, 3);
  }

  it('works against the hub, including a FederatedDeployment through the dynamic client', async () => {
    const r = (await python(suite, [hub.kubeconfig, 'py-hub', 'federation'])) as SuiteResult;
    checkCommon(r);
    assert.equal(r.federated_override, 5);
    assert.deepEqual(r.federated_clusters, ['cluster1']);
  });

  it('works against a bare edgefed apiserver (a site stand-in)', async () => {
    const r = (await python(suite, [bare.kubeconfig, 'py-bare', 'plain'])) as SuiteResult;
    checkCommon(r);
    assert.equal(r.federated_override, undefined);
  });

  it("follows a pod's log at an edge site until the pod stops", async () => {
    const r = (await python(logFollow, [site.kubeconfigPath])) as { lines: string[] };
    assert.equal(r.lines.length, 2, r.lines.join('\n'));
    assert.match(r.lines[0], /^simulated container \S*py-logs_app\S* started at /);
    assert.match(r.lines[1], /^simulated container \S*py-logs_app\S* exited with code \d+ at /);
  });
});
