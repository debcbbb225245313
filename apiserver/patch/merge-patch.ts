import type { JsonObject } from '../../api/kubernetes.js';
import { cloneJson, getOwn, hasOwn, isJsonObject, setOwn } from './json-value.js';

/**
 * RFC 7386 JSON merge patch (application/merge-patch+json): objects merge recursively, null removes
 * a key, anything else (arrays included) replaces. Returns a new value; neither input is touched.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const base: JsonObject = isJsonObject(target) ? target : {};
  const out: JsonObject = {};
  // Walk the target first so existing keys keep their position and stored objects do not reshuffle.
  for (const [key, value] of Object.entries(base)) {
    if (!hasOwn(patch, key)) {
      setOwn(out, key, cloneJson(value));
    } else if (patch[key] !== null) {
      setOwn(out, key, applyMergePatch(value, patch[key]));
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (hasOwn(base, key) || value === null) continue;
    setOwn(out, key, applyMergePatch(getOwn(base, key), value));
  }
  return out;
}
