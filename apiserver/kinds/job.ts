/**
 * Job defaulting as kube-apiserver's job strategy does it: unless spec.manualSelector is true, the
 * Job selects its pods by its own uid, and its template carries the labels that selector matches
 * plus the job-name labels (batch.kubernetes.io/* and the legacy unprefixed ones), so
 * `kubectl logs job/<name>` and `kubectl get pods -l job-name=<name>` find only this Job's pods.
 */
import type { KubeObject } from '../../api/kubernetes.js';

interface JobSpecFields {
  manualSelector?: boolean;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  template?: { metadata?: { labels?: Record<string, string>; [k: string]: unknown }; [k: string]: unknown };
  parallelism?: number;
  completions?: number;
  backoffLimit?: number;
  completionMode?: string;
  suspend?: boolean;
  [key: string]: unknown;
}

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

export function jobTemplateLabels(uid: string, name: string): Record<string, string> {
  return {
    [CONTROLLER_UID_LABEL]: uid,
    [JOB_NAME_LABEL]: name,
    [LEGACY_CONTROLLER_UID_LABEL]: uid,
    [LEGACY_JOB_NAME_LABEL]: name,
  };
}

/** Create and update: an update that leaves the generated parts out keeps them. */
export function defaultJob(job: KubeObject, old?: KubeObject): void {
  const spec = (job.spec ??= {}) as JobSpecFields;
  const oldSpec = old?.spec as JobSpecFields | undefined;
  if (spec.parallelism === undefined && spec.completions === undefined) {
    spec.parallelism = 1;
    spec.completions = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  if (spec.manualSelector === true) return;
  const uid = String(job.metadata.uid ?? '');
  const name = String(job.metadata.name ?? '');
  const template = (spec.template ??= {});
  const meta = (template.metadata ??= {});
  meta.labels = { ...(meta.labels ?? {}), ...jobTemplateLabels(uid, name) };
  // A selector generated for another Job (a template federated from the hub's copy) is regenerated.
  if (spec.selector && generatedForOther(spec.selector, uid)) delete spec.selector;
  spec.selector ??= oldSpec?.selector ?? { matchLabels: { [CONTROLLER_UID_LABEL]: uid } };
}

function generatedForOther(sel: NonNullable<JobSpecFields['selector']>, uid: string): boolean {
  const keys = Object.keys(sel.matchLabels ?? {});
  if (sel.matchExpressions?.length || keys.length !== 1) return false;
  const [k] = keys;
  return (k === CONTROLLER_UID_LABEL || k === LEGACY_CONTROLLER_UID_LABEL) && sel.matchLabels?.[k] !== uid;
}
