/**
 * Writes a pod's planned volumes to disk. Idempotent: files whose content and mode already match
 * are left alone, files no longer planned are removed, and files are rewritten in place (never the
 * directory replaced), so containers that bind-mounted the directory see the new content.
 */
import { chmod, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { podDir, volumeDir, type VolumeFile, type VolumePlan } from './volumes.js';

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(dir, p));
    }
  };
  await walk(dir);
  return out;
}

async function writeFiles(dir: string, files: VolumeFile[]): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const wanted = new Set(files.map((f) => f.path));
  for (const old of await listFiles(dir)) if (!wanted.has(old)) await rm(join(dir, old), { force: true });
  for (const f of files) {
    const p = join(dir, f.path);
    await mkdir(dirname(p), { recursive: true, mode: 0o755 });
    let same = false;
    try {
      const [content, st] = await Promise.all([readFile(p), stat(p)]);
      same = content.equals(f.content) && (st.mode & 0o777) === f.mode;
    } catch {
      same = false;
    }
    if (same) continue;
    await writeFile(p, f.content, { mode: f.mode });
    // writeFile's mode applies only on creation (and through the umask).
    await chmod(p, f.mode);
  }
}

async function prepareHostPath(path: string, type: string | undefined): Promise<void> {
  switch (type) {
    case 'DirectoryOrCreate':
      await mkdir(path, { recursive: true, mode: 0o755 });
      return;
    case 'FileOrCreate':
      if (!existsSync(path)) {
        await mkdir(dirname(path), { recursive: true, mode: 0o755 });
        await writeFile(path, '', { mode: 0o644 });
      }
      return;
    case 'Directory':
      if (!existsSync(path) || !statSync(path).isDirectory())
        throw new Error(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'File':
      if (!existsSync(path) || !statSync(path).isFile())
        throw new Error(`hostPath type check failed: ${path} is not a file`);
      return;
    default:
      return;
  }
}

export async function writeVolumes(dataDir: string, uid: string, plans: VolumePlan[]): Promise<void> {
  for (const v of plans) {
    const dir = volumeDir(dataDir, uid, v.name);
    switch (v.source.kind) {
      case 'files':
        await writeFiles(dir, v.source.files);
        break;
      case 'emptyDir':
        await mkdir(dir, { recursive: true });
        // Any container user may write an emptyDir, as on kube.
        await chmod(dir, 0o777);
        break;
      case 'hostPath':
        await prepareHostPath(v.source.path, v.source.type);
        break;
    }
  }
}

/** Removes everything the runtime wrote for a pod (after its containers are gone). */
export async function removePodDir(dataDir: string, uid: string): Promise<void> {
  await rm(podDir(dataDir, uid), { recursive: true, force: true });
}

/** Pod uids that have a directory under `<dataDir>/pods` (for the orphan sweep). */
export async function podDirUids(dataDir: string): Promise<string[]> {
  try {
    return await readdir(join(dataDir, 'pods'));
  } catch {
    return [];
  }
}
