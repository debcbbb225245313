import assert from 'node:assert/strict';
import { LABELS } from '../../../../../agent/edge/engine/engine.js';
import { attemptOf, containerName, containerSpecFor } from '../../../../../agent/edge/node/container-spec.js';
import type { Container, Pod } from '../../../../../api/core.js';
import { container, pod, UID } from './fixtures.js';

function spec(c: Container, p: Pod = pod({ containers: [c] }), attempt = 0) {
  return containerSpecFor({
    pod: p,
    container: c,
    attempt,
    nodeName: 'edge1',
    dataDir: '/data',
    podIP: '',
    hostIP: '10.0.0.1',
    allocatable: { cpu: '2', memory: '1Gi' },
    configMaps: new Map(),
    secrets: new Map(),
  });
}

describe('edge node: container spec', () => {
  it('names and labels the container so it can be found again', () => {
    const r = spec(container('app'), pod(), 3);
    assert.ok(r.ok);
    assert.equal(r.value.name, 'edgefed_edge1_default_web_app_3');
    assert.equal(containerName('n', 'ns', 'p', 'c', 0), 'edgefed_n_ns_p_c_0');
    assert.deepEqual(r.value.labels, {
      [LABELS.node]: 'edge1',
      [LABELS.podUid]: UID,
      [LABELS.podNamespace]: 'default',
      [LABELS.podName]: 'web',
      [LABELS.container]: 'app',
      [LABELS.attempt]: '3',
    });
    assert.equal(attemptOf(r.value.labels), 3);
    assert.equal(attemptOf({}), -1);
  });

  it('maps command, args (expanded), env, workingDir, user, resources, ports, host network', () => {
    const c = container('app', {
      image: 'nginx:1.27',
      command: ['/bin/sh', '-c'],
      args: ['echo $(GREETING) $(MISSING)'],
      env: [{ name: 'GREETING', value: 'hi' }],
      workingDir: '/srv',
      securityContext: { runAsUser: 1000 },
      resources: { limits: { memory: '128Mi', cpu: '500m' } },
      ports: [
        { containerPort: 80, hostPort: 8080 },
        { containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' },
        { containerPort: 9000 },
      ],
      tty: true,
    });
    const p = pod({ containers: [c], hostNetwork: true, securityContext: { runAsGroup: 2000 } });
    const r = spec(c, p);
    assert.ok(r.ok);
    const s = r.value;
    assert.deepEqual(s.command, ['/bin/sh', '-c']);
    assert.deepEqual(s.args, ['echo hi $(MISSING)']);
    assert.deepEqual(s.env, [{ name: 'GREETING', value: 'hi' }]);
    assert.equal(s.workingDir, '/srv');
    assert.equal(s.user, '1000:2000');
    assert.deepEqual(s.resources, { memoryBytes: 128 * 1024 * 1024, nanoCpus: 500_000_000 });
    assert.deepEqual(s.ports, [
      { containerPort: 80, hostPort: 8080, protocol: 'TCP' },
      { containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' },
    ]);
    assert.equal(s.hostNetwork, true);
    assert.equal(s.tty, true);
    assert.equal(s.image, 'nginx:1.27');
  });

  it('pod-level runAsUser applies when the container sets none', () => {
    const c = container('app');
    const r = spec(c, pod({ containers: [c], securityContext: { runAsUser: 7 } }));
    assert.ok(r.ok);
    assert.equal(r.value.user, '7');
  });

  const failures: [string, Container, string][] = [
    ['bad quantity', container('a', { resources: { limits: { memory: 'lots' } } }), 'quantities must match'],
    [
      'missing ConfigMap',
      container('a', { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }] }),
      'configmap "c" not found',
    ],
    ['no image', { name: 'a' }, 'no image'],
    [
      'unknown volume',
      container('a', { volumeMounts: [{ name: 'v', mountPath: '/v' }] }),
      'unable to find volume "v"',
    ],
  ];
  for (const [name, c, msg] of failures)
    it(`config error: ${name}`, () => {
      const r = spec(c);
      assert.ok(!r.ok);
      assert.match(r.message, new RegExp(msg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });
});
