/** metadata.managedFields decoded into per-manager field sets, and encoded back as apimachinery does. */
import { decodeFieldsV1, encodeFieldsV1 } from './fieldsv1.js';
import { FieldSet } from './fieldset.js';
import { isMap } from './json.js';
import { field } from './path.js';
import type { ManagedFieldsEntry } from '../../api/kubernetes.js';

export interface ManagerState {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion: string;
  readonly subresource?: string;
  readonly time?: string;
  readonly set: FieldSet;
}

/** Keyed by identity; Map keeps insertion order, though encoding sorts anyway. */
export type Managers = Map<string, ManagerState>;

/**
 * BuildManagerIdentifier: manager, operation and subresource, plus apiVersion for updaters only,
 * so an applier keeps one entry across versions while updaters get one per version.
 */
export function managerId(
  m: Pick<ManagerState, 'manager' | 'operation' | 'apiVersion' | 'subresource'>,
): string {
  return JSON.stringify([
    m.manager,
    m.operation,
    m.operation === 'Apply' ? '' : m.apiVersion,
    m.subresource ?? '',
  ]);
}

/** Throws on entries Kubernetes would refuse to decode. */
export function decodeManagers(entries: unknown): Managers {
  const out: Managers = new Map();
  if (entries === undefined || entries === null) return out;
  if (!Array.isArray(entries)) throw new Error('managedFields must be a list');
  entries.forEach((e: unknown, i) => {
    if (!isMap(e)) throw new Error(`managed fields entry ${i} must be an object`);
    if (e.operation !== 'Apply' && e.operation !== 'Update')
      throw new Error('operation must be `Apply` or `Update`');
    if (typeof e.apiVersion !== 'string' || e.apiVersion === '')
      throw new Error('apiVersion must not be empty');
    if (e.fieldsType === undefined || e.fieldsType === '') {
      throw new Error(`missing fieldsType in managed fields entry ${i}`);
    }
    if (e.fieldsType !== 'FieldsV1')
      throw new Error(`invalid fieldsType "${String(e.fieldsType)}" in managed fields entry ${i}`);
    const state: ManagerState = {
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      ...(typeof e.subresource === 'string' && e.subresource ? { subresource: e.subresource } : {}),
      ...(typeof e.time === 'string' ? { time: e.time } : {}),
      set: decodeFieldsV1(e.fieldsV1 ?? {}),
    };
    out.set(managerId(state), state);
  });
  return out;
}

function seconds(time: string | undefined): number {
  const ms = time === undefined ? NaN : Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Entries sorted like sortEncodedManagedFields: operation, time, manager, apiVersion, subresource. */
export function encodeManagers(managers: Managers): ManagedFieldsEntry[] {
  return [...managers.values()]
    .filter((m) => !m.set.empty())
    .sort(
      (p, q) =>
        cmp(p.operation, q.operation) ||
        seconds(p.time) - seconds(q.time) ||
        cmp(p.manager, q.manager) ||
        cmp(p.apiVersion, q.apiVersion) ||
        cmp(p.subresource ?? '', q.subresource ?? ''),
    )
    .map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time !== undefined ? { time: m.time } : {}),
      fieldsType: 'FieldsV1' as const,
      fieldsV1: encodeFieldsV1(m.set),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }));
}

const meta = (name: string) => [field('metadata'), field(name)];

/** Fields the server owns, never recorded for any manager (stripmeta.go, plus deletionTimestamp). */
export const serverOwnedFields = FieldSet.of(
  [field('apiVersion')],
  [field('kind')],
  [field('metadata')],
  ...[
    'name',
    'namespace',
    'creationTimestamp',
    'selfLink',
    'uid',
    'clusterName',
    'generation',
    'managedFields',
    'resourceVersion',
    'deletionTimestamp',
  ].map(meta),
);

/** The manager name Kubernetes records when a request names none. */
export const managerName = (name: string): string => name || 'unknown';
