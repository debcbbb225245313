/**
 * Kube's defaulting of built-in workload kinds (the SetDefaults_* functions of k8s.io/kubernetes
 * pkg/apis/core/v1 and apps/v1, batch/v1), applied on create and update, so stored objects read back
 * as they do from kube-apiserver: pod specs (restartPolicy, dnsPolicy, grace period, scheduler,
 * container termination message and pull policy, port protocol, probe timings, volume modes) and
 * the controllers' spec fields (replicas, strategies, history limits, deadlines).
 */
import type { KubeObject } from '../../api/kubernetes.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

function child(o: Obj, key: string): Obj {
  if (!isObj(o[key])) o[key] = {};
  return o[key] as Obj;
}

/** kube's pull policy default: Always for :latest or an untagged image (no digest), else IfNotPresent. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  const tag = colon === -1 ? '' : image.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  if (isObj(p.httpGet)) setDefault(p.httpGet, 'scheme', 'HTTP');
}

function defaultContainer(c: unknown, hostNetwork: boolean): void {
  if (!isObj(c)) return;
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  if (typeof c.image === 'string') setDefault(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  setDefault(c, 'resources', {});
  for (const port of Array.isArray(c.ports) ? c.ports : []) {
    if (!isObj(port)) continue;
    setDefault(port, 'protocol', 'TCP');
    if (hostNetwork && port.containerPort !== undefined) setDefault(port, 'hostPort', port.containerPort);
  }
  for (const env of Array.isArray(c.env) ? c.env : [])
    if (isObj(env) && isObj(env.valueFrom) && isObj(env.valueFrom.fieldRef))
      setDefault(env.valueFrom.fieldRef, 'apiVersion', 'v1');
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'enableServiceLinks', true);
  const hostNetwork = spec.hostNetwork === true;
  for (const key of ['containers', 'initContainers'])
    for (const c of Array.isArray(spec[key]) ? (spec[key] as unknown[]) : [])
      defaultContainer(c, hostNetwork);
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    if (!isObj(v)) continue;
    for (const src of ['secret', 'configMap', 'downwardAPI', 'projected'])
      if (isObj(v[src])) setDefault(v[src], 'defaultMode', 420);
  }
}

function defaultTemplate(spec: Obj): void {
  const template = child(spec, 'template');
  defaultPodSpec(child(template, 'spec'));
}

function deployment(o: KubeObject): void {
  const spec = child(o, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultTemplate(spec);
}

function replicaSet(o: KubeObject): void {
  const spec = child(o, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultTemplate(spec);
}

function statefulSet(o: KubeObject): void {
  const spec = child(o, 'spec');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = child(spec, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') setDefault(child(strategy, 'rollingUpdate'), 'partition', 0);
  setDefault(spec, 'revisionHistoryLimit', 10);
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefault(retention, 'whenDeleted', 'Retain');
  setDefault(retention, 'whenScaled', 'Retain');
  defaultTemplate(spec);
}

function daemonSet(o: KubeObject): void {
  const spec = child(o, 'spec');
  const strategy = child(spec, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultTemplate(spec);
}

function jobSpec(spec: Obj): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  if (spec.podFailurePolicy === undefined) setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  defaultTemplate(spec);
}

function cronJob(o: KubeObject): void {
  const spec = child(o, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  jobSpec(child(child(spec, 'jobTemplate'), 'spec'));
}

const DEFAULTERS: Record<string, (o: KubeObject) => void> = {
  'v1/Pod': (o) => defaultPodSpec(child(o, 'spec')),
  'v1/PodTemplate': (o) => defaultTemplate(o),
  'apps/v1/Deployment': deployment,
  'apps/v1/ReplicaSet': replicaSet,
  'apps/v1/StatefulSet': statefulSet,
  'apps/v1/DaemonSet': daemonSet,
  'batch/v1/Job': (o) => jobSpec(child(o, 'spec')),
  'batch/v1/CronJob': cronJob,
};

/** Applies kube's defaults to a built-in object in place (keyed by its apiVersion and kind). */
export function defaultBuiltinObject(o: KubeObject): void {
  const key = `${o.apiVersion ?? ''}/${o.kind ?? ''}`;
  if (Object.prototype.hasOwnProperty.call(DEFAULTERS, key)) DEFAULTERS[key](o);
}
