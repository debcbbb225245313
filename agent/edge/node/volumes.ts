/**
 * Pod volumes without a kubelet volume manager: configMap, secret, downwardAPI and projected
 * volumes become files in `<dataDir>/pods/<uid>/volumes/<name>/` that the containers bind-mount
 * read-only; emptyDir is a plain directory there; hostPath is the host's own path. This file is the
 * pure part: which files with which content and mode, and which mounts a container gets.
 */
import { join } from 'node:path';
import type { Mount } from '../engine/engine.js';
import { podFieldValue, resourceFieldValue, type EnvContext, type Result } from './env.js';
import type { Container, KeyToPath, Pod, Volume } from '../../../api/core.js';

export interface VolumeFile {
  /** Relative to the volume's directory. */
  path: string;
  content: Buffer;
  mode: number;
}

export type VolumeSource =
  | { kind: 'files'; files: VolumeFile[] }
  | { kind: 'emptyDir' }
  | { kind: 'hostPath'; path: string; type?: string };

export interface VolumePlan {
  name: string;
  source: VolumeSource;
}

/** kube's defaultMode for configMap, secret, downwardAPI and projected volumes (0644). */
export const DEFAULT_MODE = 0o644;

export function podDir(dataDir: string, uid: string): string {
  return join(dataDir, 'pods', uid);
}

export function volumeDir(dataDir: string, uid: string, volume: string): string {
  return join(podDir(dataDir, uid), 'volumes', volume);
}

/** A relative path that stays inside the volume (kube validates items the same way). */
function safeRelative(p: string): boolean {
  return p !== '' && !p.startsWith('/') && !p.split('/').includes('..');
}

function keyedFiles(
  data: Map<string, Buffer>,
  items: KeyToPath[] | undefined,
  mode: number,
  missingKey: (key: string) => string,
  optional: boolean,
): Result<VolumeFile[]> {
  if (!items?.length) return { ok: true, value: [...data].map(([k, v]) => ({ path: k, content: v, mode })) };
  const files: VolumeFile[] = [];
  for (const it of items) {
    const v = data.get(it.key);
    if (v === undefined) {
      if (optional) continue;
      return { ok: false, message: missingKey(it.key) };
    }
    if (!safeRelative(it.path)) return { ok: false, message: `invalid path ${JSON.stringify(it.path)}` };
    files.push({ path: it.path, content: v, mode: it.mode ?? mode });
  }
  return { ok: true, value: files };
}

function configMapData(ctx: EnvContext, name: string): Map<string, Buffer> | undefined {
  const cm = ctx.configMaps.get(name);
  if (!cm) return undefined;
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) m.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) m.set(k, Buffer.from(v, 'base64'));
  return m;
}

function secretData(ctx: EnvContext, name: string): Map<string, Buffer> | undefined {
  const s = ctx.secrets.get(name);
  if (!s) return undefined;
  return new Map(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

function configMapFiles(
  name: string,
  items: KeyToPath[] | undefined,
  optional: boolean,
  mode: number,
  ctx: EnvContext,
): Result<VolumeFile[]> {
  const data = configMapData(ctx, name);
  if (!data)
    return optional ? { ok: true, value: [] } : { ok: false, message: `configmap "${name}" not found` };
  return keyedFiles(data, items, mode, (k) => `configmap references non-existent config key: ${k}`, optional);
}

function secretFiles(
  name: string,
  items: KeyToPath[] | undefined,
  optional: boolean,
  mode: number,
  ctx: EnvContext,
): Result<VolumeFile[]> {
  const data = secretData(ctx, name);
  if (!data) return optional ? { ok: true, value: [] } : { ok: false, message: `secret "${name}" not found` };
  return keyedFiles(data, items, mode, (k) => `references non-existent secret key: ${k}`, optional);
}

function downwardFiles(
  items: NonNullable<Volume['downwardAPI']>['items'],
  mode: number,
  ctx: EnvContext,
): Result<VolumeFile[]> {
  const files: VolumeFile[] = [];
  const first = ctx.pod.spec.containers?.[0];
  for (const it of items ?? []) {
    if (!safeRelative(it.path)) return { ok: false, message: `invalid path ${JSON.stringify(it.path)}` };
    let r: Result<string>;
    if (it.fieldRef) r = podFieldValue(it.fieldRef, ctx);
    else if (it.resourceFieldRef && first)
      r = resourceFieldValue(it.resourceFieldRef, ctx.pod, first, ctx.allocatable);
    else r = { ok: false, message: `downwardAPI item ${it.path} has no source` };
    if (!r.ok) return r;
    files.push({ path: it.path, content: Buffer.from(r.value, 'utf8'), mode: it.mode ?? mode });
  }
  return { ok: true, value: files };
}

function planOne(v: Volume, ctx: EnvContext): Result<VolumeSource> {
  const files = (r: Result<VolumeFile[]>): Result<VolumeSource> =>
    r.ok ? { ok: true, value: { kind: 'files', files: r.value } } : r;
  if (v.configMap)
    return files(
      configMapFiles(
        v.configMap.name ?? '',
        v.configMap.items,
        Boolean(v.configMap.optional),
        v.configMap.defaultMode ?? DEFAULT_MODE,
        ctx,
      ),
    );
  if (v.secret)
    return files(
      secretFiles(
        v.secret.secretName ?? '',
        v.secret.items,
        Boolean(v.secret.optional),
        v.secret.defaultMode ?? DEFAULT_MODE,
        ctx,
      ),
    );
  if (v.downwardAPI)
    return files(downwardFiles(v.downwardAPI.items, v.downwardAPI.defaultMode ?? DEFAULT_MODE, ctx));
  if (v.projected) {
    const mode = v.projected.defaultMode ?? DEFAULT_MODE;
    const all: VolumeFile[] = [];
    for (const s of v.projected.sources ?? []) {
      let r: Result<VolumeFile[]> = { ok: true, value: [] };
      if (s.configMap)
        r = configMapFiles(
          s.configMap.name ?? '',
          s.configMap.items,
          Boolean(s.configMap.optional),
          mode,
          ctx,
        );
      else if (s.secret)
        r = secretFiles(s.secret.name ?? '', s.secret.items, Boolean(s.secret.optional), mode, ctx);
      else if (s.downwardAPI) r = downwardFiles(s.downwardAPI.items, mode, ctx);
      // serviceAccountToken: the site API issues no tokens; the file is left out.
      if (!r.ok) return r;
      all.push(...r.value);
    }
    return { ok: true, value: { kind: 'files', files: all } };
  }
  if (v.emptyDir) return { ok: true, value: { kind: 'emptyDir' } };
  if (v.hostPath)
    return { ok: true, value: { kind: 'hostPath', path: v.hostPath.path, type: v.hostPath.type } };
  const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
  return { ok: false, message: `volume type ${kind} is not supported on edge nodes` };
}

/**
 * What every volume of the pod holds, or the first failure as kubelet words it
 * (`MountVolume.SetUp failed for volume "x" : configmap "y" not found`).
 */
export function planVolumes(pod: Pod, ctx: EnvContext): Result<VolumePlan[]> {
  const out: VolumePlan[] = [];
  for (const v of pod.spec.volumes ?? []) {
    const r = planOne(v, ctx);
    if (!r.ok)
      return { ok: false, message: `MountVolume.SetUp failed for volume "${v.name}" : ${r.message}` };
    out.push({ name: v.name, source: r.value });
  }
  return { ok: true, value: out };
}

const ALWAYS_READ_ONLY = ['configMap', 'secret', 'downwardAPI', 'projected'] as const;

/** The bind mounts of one container: its volumeMounts resolved to host paths. */
export function mountsFor(pod: Pod, container: Container, dataDir: string): Result<Mount[]> {
  const uid = pod.metadata.uid ?? '';
  const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
  const mounts: Mount[] = [];
  for (const vm of container.volumeMounts ?? []) {
    const v = volumes.get(vm.name);
    if (!v) return { ok: false, message: `unable to find volume "${vm.name}"` };
    let host = v.hostPath ? v.hostPath.path : volumeDir(dataDir, uid, v.name);
    if (vm.subPath) {
      if (!safeRelative(vm.subPath))
        return { ok: false, message: `invalid subPath ${JSON.stringify(vm.subPath)}` };
      host = join(host, vm.subPath);
    }
    const forcedReadOnly = ALWAYS_READ_ONLY.some((k) => v[k] !== undefined);
    mounts.push({
      hostPath: host,
      containerPath: vm.mountPath,
      readOnly: Boolean(vm.readOnly) || forcedReadOnly,
    });
  }
  return { ok: true, value: mounts };
}
