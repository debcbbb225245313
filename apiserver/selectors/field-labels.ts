import type { KubeObject } from '../../api/kubernetes.js';

/**
 * Field selector support per built-in kind, from the kinds' field label conversion functions
 * and GetAttrs in kube-apiserver. Only the fields beyond metadata.name / metadata.namespace.
 */
const BUILTIN_FIELDS: Readonly<Record<string, readonly string[]>> = {
  '/Pod': [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  '/Event': [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  '/Secret': ['type'],
  '/Namespace': ['status.phase'],
  '/Node': ['spec.unschedulable'],
  '/ReplicationController': ['status.replicas'],
  'apps/ReplicaSet': ['status.replicas'],
  'batch/Job': ['status.successful'],
};

export function builtinSelectableFields(group: string, kind: string): string[] {
  return [...(BUILTIN_FIELDS[`${group}/${kind}`] ?? [])];
}

/** Built-in kinds whose conversion function rejects metadata.namespace. */
const NO_NAMESPACE_LABEL = new Set(['/Namespace', '/Node']);

/**
 * Field labels a resource accepts in `fieldSelector`. Built-ins take metadata.namespace even
 * when cluster-scoped (except Namespace and Node); custom resources only when namespaced.
 * `selectable` may be JSON paths ('.spec.x') or labels ('spec.x').
 */
export function allowedFieldLabels(
  r: { group: string; kind: string; builtin: boolean; namespaced: boolean },
  selectable: readonly string[],
): string[] {
  const ns = r.builtin ? !NO_NAMESPACE_LABEL.has(`${r.group}/${r.kind}`) : r.namespaced;
  return ['metadata.name', ...(ns ? ['metadata.namespace'] : []), ...selectable.map(toLabel)];
}

const toLabel = (path: string): string => path.replace(/^\./, '');

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function lookup(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** How CRD selectable fields turn into strings: strings, booleans and integers only. */
function fieldString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  return undefined;
}

type Extractor = (obj: KubeObject) => string;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const boolStr = (v: unknown): string => String(v === true);
const intStr = (v: unknown): string => (typeof v === 'number' ? String(Math.trunc(v)) : '0');

/**
 * Built-in fields whose value is not simply the JSON at the label's path: Go's zero values
 * show for unset bools and counts, and a few labels name other fields.
 */
const SPECIAL: Readonly<Record<string, Extractor>> = {
  '/Pod|spec.hostNetwork': (o) => boolStr(lookup(o, 'spec.hostNetwork')),
  '/Pod|status.podIP': (o) => {
    const ips = lookup(o, 'status.podIPs');
    const first: unknown = Array.isArray(ips) ? ips[0] : undefined;
    return isRecord(first) ? str(first.ip) : str(lookup(o, 'status.podIP'));
  },
  '/Node|spec.unschedulable': (o) => boolStr(lookup(o, 'spec.unschedulable')),
  '/Event|source': (o) => str(lookup(o, 'source.component')) || str(lookup(o, 'reportingComponent')),
  'batch/Job|status.successful': (o) => intStr(lookup(o, 'status.succeeded')),
  'apps/ReplicaSet|status.replicas': (o) => intStr(lookup(o, 'status.replicas')),
  '/ReplicationController|status.replicas': (o) => intStr(lookup(o, 'status.replicas')),
};

const groupOf = (apiVersion: string | undefined): string =>
  apiVersion && apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';

/**
 * The field set a field selector is matched against: metadata.name, metadata.namespace for
 * namespaced resources, and each selectable field ('.spec.nodeName' → 'spec.nodeName'). The
 * kind is taken from the object's apiVersion/kind unless given.
 */
export function objectFields(
  obj: KubeObject,
  namespaced: boolean,
  selectable: readonly string[],
  groupKind?: { group: string; kind: string },
): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': obj.metadata?.name ?? '' };
  if (namespaced) fields['metadata.namespace'] = obj.metadata?.namespace ?? '';
  const gk = groupKind
    ? `${groupKind.group}/${groupKind.kind}`
    : `${groupOf(obj.apiVersion)}/${obj.kind ?? ''}`;
  for (const path of selectable) {
    const label = toLabel(path);
    const special = SPECIAL[`${gk}|${label}`];
    const value = special ? special(obj) : fieldString(lookup(obj, label));
    if (value !== undefined) fields[label] = value;
  }
  return fields;
}
