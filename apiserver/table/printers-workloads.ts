import {
  formatLabels,
  formatLabelSelector,
  formatMetaLabelSelector,
  labelSelectorFromMeta,
  type MetaLabelSelector,
} from '../selectors/label-selector.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { at, list, num, obj, str, strMap } from './access.js';
import { ageColumn, column, containersColumn, imagesColumn, nameColumn } from './columns.js';
import { humanDuration, parseRfc3339, translateTimestampSince } from './duration.js';
import { containerCells, type Printer } from './printer.js';

const age = (o: KubeObject, now: number): string =>
  translateTimestampSince(o.metadata.creationTimestamp, now);
const selectorOf = (v: unknown): MetaLabelSelector | undefined =>
  v && typeof v === 'object' ? (v as MetaLabelSelector) : undefined;
/** spec.replicas defaults to 1 when the object was stored without defaulting. */
const replicas = (o: KubeObject): number => {
  const r = at(o, 'spec', 'replicas');
  return typeof r === 'number' ? num(r) : 1;
};
const templateContainers = (o: KubeObject): unknown => at(o, 'spec', 'template', 'spec', 'containers');

export const deploymentPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column(
      'Up-to-date',
      'string',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    ),
    column(
      'Available',
      'string',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    ),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column(
      'Selector',
      'string',
      'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
      1,
    ),
  ],
  print(o, now) {
    const status = obj(o.status);
    // printDeployment formats the selector itself: '<invalid>' on error, '' when empty.
    let selector: string;
    try {
      selector = formatLabelSelector(labelSelectorFromMeta(selectorOf(at(o, 'spec', 'selector'))));
    } catch {
      selector = '<invalid>';
    }
    return {
      cells: [
        o.metadata.name ?? '',
        `${num(status.readyReplicas)}/${replicas(o)}`,
        num(status.updatedReplicas),
        num(status.availableReplicas),
        age(o, now),
        ...containerCells(templateContainers(o)),
        selector,
      ],
    };
  },
};

export const replicaSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'Replicas is the number of desired pods.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column(
      'Selector',
      'string',
      'Selector is a label query over pods that should match the replica count.',
      1,
    ),
  ],
  print(o, now) {
    const status = obj(o.status);
    return {
      cells: [
        o.metadata.name ?? '',
        replicas(o),
        num(status.replicas),
        num(status.readyReplicas),
        age(o, now),
        ...containerCells(templateContainers(o)),
        formatMetaLabelSelector(selectorOf(at(o, 'spec', 'selector'))),
      ],
    };
  },
};

export const statefulSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
  ],
  print(o, now) {
    return {
      cells: [
        o.metadata.name ?? '',
        `${num(at(o, 'status', 'readyReplicas'))}/${replicas(o)}`,
        age(o, now),
        ...containerCells(templateContainers(o)),
      ],
    };
  },
};

export const daemonSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column(
      'Desired',
      'integer',
      'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).',
    ),
    column(
      'Current',
      'integer',
      'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
    ),
    column(
      'Ready',
      'integer',
      'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
    ),
    column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    column(
      'Available',
      'integer',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
    ),
    column(
      'Node Selector',
      'string',
      "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node.",
    ),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', 'A label query over pods that are managed by the daemon set.', 1),
  ],
  print(o, now) {
    const s = obj(o.status);
    return {
      cells: [
        o.metadata.name ?? '',
        num(s.desiredNumberScheduled),
        num(s.currentNumberScheduled),
        num(s.numberReady),
        num(s.updatedNumberScheduled),
        num(s.numberAvailable),
        formatLabels(strMap(at(o, 'spec', 'template', 'spec', 'nodeSelector'))),
        age(o, now),
        ...containerCells(templateContainers(o)),
        formatMetaLabelSelector(selectorOf(at(o, 'spec', 'selector'))),
      ],
    };
  },
};

const hasTrueCondition = (o: KubeObject, type: string): boolean =>
  list(at(o, 'status', 'conditions')).some(
    (c) => str(at(c, 'type')) === type && str(at(c, 'status')) === 'True',
  );

function jobStatus(o: KubeObject): string {
  if (hasTrueCondition(o, 'Complete')) return 'Complete';
  if (hasTrueCondition(o, 'Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (hasTrueCondition(o, 'Suspended')) return 'Suspended';
  if (hasTrueCondition(o, 'FailureTarget')) return 'FailureTarget';
  if (hasTrueCondition(o, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function jobCompletions(o: KubeObject): string {
  const succeeded = num(at(o, 'status', 'succeeded'));
  const completions = at(o, 'spec', 'completions');
  if (typeof completions === 'number') return `${succeeded}/${num(completions)}`;
  const parallelism = num(at(o, 'spec', 'parallelism'));
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: KubeObject, now: number): string {
  const start = parseRfc3339(str(at(o, 'status', 'startTime')));
  if (start === undefined) return '';
  const end = parseRfc3339(str(at(o, 'status', 'completionTime')));
  return humanDuration((end ?? now) - start);
}

export const jobPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
  ],
  print(o, now) {
    return {
      cells: [
        o.metadata.name ?? '',
        jobStatus(o),
        jobCompletions(o),
        jobDuration(o, now),
        age(o, now),
        ...containerCells(templateContainers(o)),
        formatMetaLabelSelector(selectorOf(at(o, 'spec', 'selector'))),
      ],
    };
  },
};

export const cronJobPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column(
      'Timezone',
      'string',
      'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.',
    ),
    column(
      'Suspend',
      'boolean',
      'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.',
    ),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column(
      'Last Schedule',
      'string',
      'Information when was the last time the job was successfully scheduled.',
    ),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
  ],
  print(o, now) {
    const spec = obj(o.spec);
    const suspend = spec.suspend;
    const last = str(at(o, 'status', 'lastScheduleTime'));
    return {
      cells: [
        o.metadata.name ?? '',
        str(spec.schedule),
        str(spec.timeZone) || '<none>',
        // printBoolPtr: a string, although the column says boolean.
        typeof suspend === 'boolean' ? (suspend ? 'True' : 'False') : '<unset>',
        list(at(o, 'status', 'active')).length,
        last ? translateTimestampSince(last, now) : '<none>',
        age(o, now),
        ...containerCells(at(spec, 'jobTemplate', 'spec', 'template', 'spec', 'containers')),
        formatMetaLabelSelector(selectorOf(at(spec, 'jobTemplate', 'spec', 'selector'))),
      ],
    };
  },
};
