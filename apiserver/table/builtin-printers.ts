import type { ColumnDefinition } from './columns.js';
import type { Printer } from './printer.js';
import {
  configMapPrinter,
  eventPrinter,
  namespacePrinter,
  nodePrinter,
  secretPrinter,
  serviceAccountPrinter,
  servicePrinter,
} from './printers-core.js';
import {
  createdAtPrinter,
  defaultPrinter,
  ingressPrinter,
  leasePrinter,
  roleBindingPrinter,
} from './printers-other.js';
import { eventsV1Printer } from './printers-events.js';
import { podPrinter } from './printers-pod.js';
import {
  cronJobPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  jobPrinter,
  replicaSetPrinter,
  statefulSetPrinter,
} from './printers-workloads.js';

/** The printers kube-apiserver registers (pkg/printers/internalversion), by "group/Kind". */
const PRINTERS: ReadonlyMap<string, Printer> = new Map([
  ['/Namespace', namespacePrinter],
  ['/ConfigMap', configMapPrinter],
  ['/Secret', secretPrinter],
  ['/ServiceAccount', serviceAccountPrinter],
  ['/Event', eventPrinter],
  ['events.k8s.io/Event', eventsV1Printer],
  ['/Node', nodePrinter],
  ['/Service', servicePrinter],
  ['/Pod', podPrinter],
  ['apps/Deployment', deploymentPrinter],
  ['apps/ReplicaSet', replicaSetPrinter],
  ['apps/StatefulSet', statefulSetPrinter],
  ['apps/DaemonSet', daemonSetPrinter],
  ['batch/Job', jobPrinter],
  ['batch/CronJob', cronJobPrinter],
  ['networking.k8s.io/Ingress', ingressPrinter],
  ['coordination.k8s.io/Lease', leasePrinter],
  ['rbac.authorization.k8s.io/ClusterRole', createdAtPrinter],
  ['rbac.authorization.k8s.io/Role', createdAtPrinter],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', roleBindingPrinter],
  ['rbac.authorization.k8s.io/RoleBinding', roleBindingPrinter],
  ['apiextensions.k8s.io/CustomResourceDefinition', createdAtPrinter],
]);

/** The printer for a built-in kind; kinds without one get the default Name / Created At table. */
export function builtinPrinter(group: string, kind: string): Printer {
  return PRINTERS.get(`${group}/${kind}`) ?? defaultPrinter;
}

export function builtinColumns(group: string, kind: string): ColumnDefinition[] {
  return builtinPrinter(group, kind).columns.map((c) => ({ ...c }));
}
