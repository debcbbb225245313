import assert from 'node:assert/strict';
import { readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvContext } from '../../../../../agent/edge/node/env.js';
import type { ConfigMap, Secret, Volume } from '../../../../../api/core.js';
import { mountsFor, planVolumes, volumeDir } from '../../../../../agent/edge/node/volumes.js';
import { writeVolumes } from '../../../../../agent/edge/node/volume-writer.js';
import { cleanup, tempDir } from '../../../../helpers/hub.js';
import { container, pod, UID } from './fixtures.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function ctx(volumes: Volume[]): EnvContext {
  return {
    pod: pod({ volumes }),
    podIP: '',
    hostIP: '10.0.0.1',
    allocatable: { cpu: '2', memory: '1Gi' },
    configMaps: new Map<string, ConfigMap>([
      ['cfg', { metadata: {}, data: { 'a.conf': 'A', 'b.conf': 'B' } }],
    ]),
    secrets: new Map<string, Secret>([['tls', { metadata: {}, data: { key: b64('K') } }]]),
  };
}

type Files = Record<string, [string, number]>;

function filesOf(volumes: Volume[]): Record<string, Files | string> {
  const r = planVolumes(ctx(volumes).pod, ctx(volumes));
  if (!r.ok) return { error: r.message };
  const out: Record<string, Files | string> = {};
  for (const v of r.value) {
    if (v.source.kind !== 'files') out[v.name] = v.source.kind;
    else
      out[v.name] = Object.fromEntries(v.source.files.map((f) => [f.path, [f.content.toString(), f.mode]]));
  }
  return out;
}

describe('edge node: volumes', () => {
  const cases: { name: string; volumes: Volume[]; want: Record<string, Files | string> }[] = [
    {
      name: 'configMap: every key, default mode 0644',
      volumes: [{ name: 'v', configMap: { name: 'cfg' } }],
      want: { v: { 'a.conf': ['A', 0o644], 'b.conf': ['B', 0o644] } },
    },
    {
      name: 'configMap items with paths and modes, defaultMode',
      volumes: [
        {
          name: 'v',
          configMap: {
            name: 'cfg',
            defaultMode: 0o600,
            items: [
              { key: 'a.conf', path: 'sub/a' },
              { key: 'b.conf', path: 'b', mode: 0o400 },
            ],
          },
        },
      ],
      want: { v: { 'sub/a': ['A', 0o600], b: ['B', 0o400] } },
    },
    {
      name: 'secret decoded',
      volumes: [{ name: 's', secret: { secretName: 'tls' } }],
      want: { s: { key: ['K', 0o644] } },
    },
    {
      name: 'optional missing configMap: empty',
      volumes: [{ name: 'v', configMap: { name: 'nope', optional: true } }],
      want: { v: {} },
    },
    {
      name: 'downwardAPI',
      volumes: [
        {
          name: 'd',
          downwardAPI: {
            items: [
              { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            ],
          },
        },
      ],
      want: { d: { name: ['web', 0o644], labels: ['app="web"', 0o644] } },
    },
    {
      name: 'projected configMap + secret',
      volumes: [
        {
          name: 'p',
          projected: {
            sources: [
              { configMap: { name: 'cfg', items: [{ key: 'a.conf', path: 'a' }] } },
              { secret: { name: 'tls' } },
              { serviceAccountToken: { path: 'token' } },
            ],
          },
        },
      ],
      want: { p: { a: ['A', 0o644], key: ['K', 0o644] } },
    },
    {
      name: 'emptyDir and hostPath',
      volumes: [
        { name: 'e', emptyDir: {} },
        { name: 'h', hostPath: { path: '/tmp' } },
      ],
      want: { e: 'emptyDir', h: 'hostPath' },
    },
    {
      name: 'missing configMap: kubelet mount error',
      volumes: [{ name: 'v', configMap: { name: 'nope' } }],
      want: { error: 'MountVolume.SetUp failed for volume "v" : configmap "nope" not found' },
    },
    {
      name: 'missing secret',
      volumes: [{ name: 'v', secret: { secretName: 'nope' } }],
      want: { error: 'MountVolume.SetUp failed for volume "v" : secret "nope" not found' },
    },
    {
      name: 'missing item key',
      volumes: [{ name: 'v', configMap: { name: 'cfg', items: [{ key: 'zz', path: 'z' }] } }],
      want: {
        error: 'MountVolume.SetUp failed for volume "v" : configmap references non-existent config key: zz',
      },
    },
    {
      name: 'path escaping the volume',
      volumes: [{ name: 'v', configMap: { name: 'cfg', items: [{ key: 'a.conf', path: '../x' }] } }],
      want: { error: 'MountVolume.SetUp failed for volume "v" : invalid path "../x"' },
    },
    {
      name: 'unsupported type',
      volumes: [{ name: 'v', nfs: { server: 'x', path: '/' } }],
      want: {
        error: 'MountVolume.SetUp failed for volume "v" : volume type nfs is not supported on edge nodes',
      },
    },
  ];
  for (const t of cases) it(t.name, () => assert.deepEqual(filesOf(t.volumes), t.want));

  it('mounts: configMap and secret always read-only, subPath, hostPath as is', () => {
    const p = pod({
      volumes: [
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'data', emptyDir: {} },
        { name: 'host', hostPath: { path: '/var/log' } },
      ],
    });
    const c = container('app', {
      volumeMounts: [
        { name: 'cfg', mountPath: '/etc/app' },
        { name: 'data', mountPath: '/data', subPath: 'x' },
        { name: 'host', mountPath: '/host', readOnly: true },
      ],
    });
    const r = mountsFor(p, c, '/d');
    assert.deepEqual(r, {
      ok: true,
      value: [
        { hostPath: `/d/pods/${UID}/volumes/cfg`, containerPath: '/etc/app', readOnly: true },
        { hostPath: `/d/pods/${UID}/volumes/data/x`, containerPath: '/data', readOnly: false },
        { hostPath: '/var/log', containerPath: '/host', readOnly: true },
      ],
    });
    assert.deepEqual(
      mountsFor(p, container('x', { volumeMounts: [{ name: 'zz', mountPath: '/z' }] }), '/d'),
      {
        ok: false,
        message: 'unable to find volume "zz"',
      },
    );
  });

  it('writes files idempotently, in place, and removes stale ones', async () => {
    const dir = tempDir('edge-vol-');
    try {
      const c = ctx([
        {
          name: 'v',
          configMap: {
            name: 'cfg',
            items: [
              { key: 'a.conf', path: 'a' },
              { key: 'b.conf', path: 'sub/b', mode: 0o600 },
            ],
          },
        },
        { name: 'e', emptyDir: {} },
      ]);
      const plan = planVolumes(c.pod, c);
      assert.ok(plan.ok);
      await writeVolumes(dir, UID, plan.value);
      const v = volumeDir(dir, UID, 'v');
      assert.equal(readFileSync(join(v, 'a'), 'utf8'), 'A');
      assert.equal(statSync(join(v, 'sub/b')).mode & 0o777, 0o600);
      assert.equal(statSync(volumeDir(dir, UID, 'e')).mode & 0o777, 0o777);
      const inode = statSync(v).ino;
      const c2 = ctx([{ name: 'v', configMap: { name: 'cfg', items: [{ key: 'b.conf', path: 'a' }] } }]);
      const plan2 = planVolumes(c2.pod, c2);
      assert.ok(plan2.ok);
      await writeVolumes(dir, UID, plan2.value);
      assert.equal(readFileSync(join(v, 'a'), 'utf8'), 'B');
      assert.ok(!existsSync(join(v, 'sub/b')));
      assert.equal(statSync(v).ino, inode, 'the directory containers bind-mounted is kept');
    } finally {
      cleanup(dir);
    }
  });
});
