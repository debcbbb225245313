/** The pods a Job creates (pure but for the name's random suffix). */
import { controllerRefTo } from '../meta.js';
import { generateName, podFromTemplate } from '../pods.js';
import type { Container, Job, Pod } from '../types.js';
import { COMPLETION_INDEX } from './indexes.js';
import { JOB_TRACKING_FINALIZER } from './plan.js';

/**
 * The labels kube-apiserver adds to a Job's template when it generates its selector; the site API
 * does not, so the controller puts them on each pod.
 */
export function jobPodLabels(job: Job): Record<string, string> {
  const uid = String(job.metadata.uid);
  const name = String(job.metadata.name);
  return {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
}

function withIndexEnv(containers: Container[] | undefined, index: number): Container[] | undefined {
  return containers?.map((c) => ({
    ...c,
    env: [
      ...(c.env ?? []).filter((e) => e.name !== 'JOB_COMPLETION_INDEX'),
      { name: 'JOB_COMPLETION_INDEX', value: String(index) },
    ],
  }));
}

/**
 * A pod of the Job: `<job>-<random>` (Indexed: `<job>-<index>-<random>`, with the index as
 * annotation, label, JOB_COMPLETION_INDEX and hostname `<job>-<index>`), the tracking finalizer.
 */
export function podForJob(job: Job, index: number | undefined, nodeName: string, name?: string): Pod {
  const jobName = String(job.metadata.name);
  const indexed = index !== undefined;
  const pod = podFromTemplate(job.spec?.template, {
    name: name ?? generateName(indexed ? `${jobName}-${index}-` : `${jobName}-`),
    namespace: String(job.metadata.namespace),
    controllerRef: controllerRefTo(job, 'batch/v1', 'Job'),
    nodeName,
    labels: { ...jobPodLabels(job), ...(indexed ? { [COMPLETION_INDEX]: String(index) } : {}) },
    annotations: indexed ? { [COMPLETION_INDEX]: String(index) } : undefined,
    finalizers: [JOB_TRACKING_FINALIZER],
  });
  if (indexed && pod.spec) {
    pod.spec.hostname ??= `${jobName}-${index}`;
    pod.spec.containers = withIndexEnv(pod.spec.containers, index) ?? [];
    if (pod.spec.initContainers) pod.spec.initContainers = withIndexEnv(pod.spec.initContainers, index);
  }
  return pod;
}
