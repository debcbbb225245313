/**
 * events.k8s.io/v1 Event ↔ core/v1 Event. Kubernetes serves both APIs from one storage (core
 * Events under /registry/core/events): the same objects, with renamed fields
 * (pkg/apis/events/v1/conversion.go). Only these renames differ; every other field (reason,
 * type, action, eventTime, series, related, reportingInstance) has the same name in both.
 */
import type { KubeObject } from '../../api/kubernetes.js';

export const EVENTS_GROUP = 'events.k8s.io';

/** [core/v1 name, events.k8s.io/v1 name]. */
const RENAMES: readonly [string, string][] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];
const TO_EVENTS = new Map(RENAMES);
const TO_CORE = new Map(RENAMES.map(([a, b]) => [b, a]));

function rename(obj: KubeObject, names: Map<string, string>, apiVersion: string): KubeObject {
  const out: KubeObject = { metadata: obj.metadata };
  // Key order is kept (apiVersion and kind first), so stored objects do not reshuffle.
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion') out.apiVersion = apiVersion;
    else if (k === 'metadata') out.metadata = obj.metadata;
    else out[names.get(k) ?? k] = v;
  }
  out.apiVersion = apiVersion;
  return out;
}

export function coreToEventsV1(obj: KubeObject): KubeObject {
  return obj.apiVersion === `${EVENTS_GROUP}/v1` ? obj : rename(obj, TO_EVENTS, `${EVENTS_GROUP}/v1`);
}

export function eventsV1ToCore(obj: KubeObject): KubeObject {
  return obj.apiVersion === 'v1' ? obj : rename(obj, TO_CORE, 'v1');
}

/** Resources stored under another resource's keys ("group/resource" → core resource). */
export function sharedStorageResource(group: string, resource: string): string | undefined {
  return group === EVENTS_GROUP && resource === 'events' ? 'events' : undefined;
}
