import assert from 'node:assert/strict';
import {
  goArch,
  KUBELET_VERSION,
  leaseFor,
  nodeLabels,
  nodeStatus,
  nodeStatusChanged,
  type NodeFacts,
} from '../../../../../agent/edge/node/node-info.js';
import { osImage } from '../../../../../agent/edge/node/node-facts.js';

const facts: NodeFacts = {
  nodeName: 'edge1',
  nodeIp: '192.168.1.10',
  hostname: 'edge1',
  cpus: 4,
  memoryBytes: 8 * 1024 ** 3,
  memoryAvailableBytes: 4 * 1024 ** 3,
  diskBytes: 100 * 1024 ** 3,
  diskAvailableBytes: 50 * 1024 ** 3,
  os: 'linux',
  arch: 'amd64',
  kernelVersion: '6.1.0',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  machineID: 'm',
  systemUUID: 's',
  bootID: 'b',
  containerRuntimeVersion: 'podman://5.0.0',
};

describe('edge node: Node object', () => {
  it('labels as kubelet sets them, plus the edge role', () => {
    assert.deepEqual(nodeLabels(facts), {
      'kubernetes.io/hostname': 'edge1',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'beta.kubernetes.io/arch': 'amd64',
      'node-role.kubernetes.io/edge': '',
    });
  });

  it('status: capacity, addresses, nodeInfo, healthy conditions', () => {
    const s = nodeStatus(facts, undefined, '2025-01-01T00:00:00Z');
    assert.deepEqual(s.capacity, {
      cpu: '4',
      memory: `${8 * 1024 * 1024}Ki`,
      pods: '110',
      'ephemeral-storage': `${100 * 1024 * 1024}Ki`,
    });
    assert.deepEqual(s.allocatable, s.capacity);
    assert.deepEqual(s.addresses, [
      { type: 'InternalIP', address: '192.168.1.10' },
      { type: 'Hostname', address: 'edge1' },
    ]);
    assert.equal(s.nodeInfo?.kubeletVersion, KUBELET_VERSION);
    assert.equal(s.nodeInfo?.containerRuntimeVersion, 'podman://5.0.0');
    assert.equal(s.nodeInfo?.osImage, 'Debian GNU/Linux 12 (bookworm)');
    assert.deepEqual(
      s.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`),
      [
        'MemoryPressure=False/KubeletHasSufficientMemory',
        'DiskPressure=False/KubeletHasNoDiskPressure',
        'PIDPressure=False/KubeletHasSufficientPID',
        'Ready=True/KubeletReady',
      ],
    );
  });

  const pressure: [string, Partial<NodeFacts>, string][] = [
    ['engine down', { notReadyMessage: 'container runtime is down: x' }, 'Ready=False/KubeletNotReady'],
    [
      'little memory',
      { memoryAvailableBytes: 50 * 1024 * 1024 },
      'MemoryPressure=True/KubeletHasInsufficientMemory',
    ],
    ['disk almost full', { diskAvailableBytes: 1024 ** 3 }, 'DiskPressure=True/KubeletHasDiskPressure'],
  ];
  for (const [name, f, want] of pressure)
    it(`conditions: ${name}`, () => {
      const s = nodeStatus({ ...facts, ...f }, undefined, 'now');
      assert.ok(s.conditions?.some((c) => `${c.type}=${c.status}/${c.reason}` === want));
    });

  it('heartbeat times alone are no change; transitions keep their time', () => {
    const a = nodeStatus(facts, undefined, '2025-01-01T00:00:00Z');
    const b = nodeStatus(facts, a, '2025-01-01T00:00:10Z');
    assert.equal(nodeStatusChanged(a, b), false);
    assert.equal(b.conditions![3].lastTransitionTime, '2025-01-01T00:00:00Z');
    assert.equal(b.conditions![3].lastHeartbeatTime, '2025-01-01T00:00:10Z');
    const c = nodeStatus({ ...facts, notReadyMessage: 'down' }, b, '2025-01-01T00:00:20Z');
    assert.equal(nodeStatusChanged(b, c), true);
    assert.equal(c.conditions![3].lastTransitionTime, '2025-01-01T00:00:20Z');
    assert.equal(nodeStatusChanged(undefined, a), true);
  });

  it('lease owned by the node', () => {
    assert.deepEqual(leaseFor('edge1', 'u1', 't'), {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: 'edge1',
        namespace: 'kube-node-lease',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'edge1', uid: 'u1' }],
      },
      spec: { holderIdentity: 'edge1', leaseDurationSeconds: 40, renewTime: 't' },
    });
  });

  it('arch and OS image names', () => {
    assert.equal(goArch('x64'), 'amd64');
    assert.equal(goArch('arm64'), 'arm64');
    assert.equal(goArch('ppc64'), 'ppc64le');
    assert.equal(osImage('NAME="Alpine"\nPRETTY_NAME="Alpine Linux v3.20"\n'), 'Alpine Linux v3.20');
  });
});
