import type { KubeObject } from '../../api/kubernetes.js';
import { at, isObj, list, num, obj, str, type Obj } from './access.js';
import { ageColumn, column, nameColumn } from './columns.js';
import { parseRfc3339, translateTimestampSince } from './duration.js';
import type { Printer, RowCondition } from './printer.js';

const SUCCEEDED: RowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
];
const FAILED: RowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
];

const hasCondition = (conditions: unknown, type: string): boolean =>
  list(conditions).some((c) => str(at(c, 'type')) === type && str(at(c, 'status')) === 'True');

/** Sidecars: init containers with restartPolicy Always keep running next to the app containers. */
const isRestartable = (c: Obj | undefined): boolean => str(c?.restartPolicy) === 'Always';

/** The later of a running maximum and a container's last termination time (ms, 0 = none). */
function laterFinish(current: number, status: unknown): number {
  const t = parseRfc3339(str(at(status, 'lastState', 'terminated', 'finishedAt')));
  return t !== undefined && t > current ? t : current;
}

interface PodSummary {
  ready: number;
  total: number;
  reason: string;
  restarts: number;
  lastRestart: number;
}

/** printPod's status logic: the STATUS column mirrors what the kubelet reports for the worst container. */
function summarize(pod: KubeObject): PodSummary {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  for (const c of list(status.conditions)) {
    if (str(at(c, 'type')) === 'PodScheduled' && str(at(c, 'reason')) === 'SchedulingGated')
      reason = 'SchedulingGated';
  }
  const initSpecs = new Map<string, Obj>();
  let total = list(spec.containers).length;
  const initContainers = list(spec.initContainers);
  for (const c of initContainers) {
    initSpecs.set(str(at(c, 'name')), obj(c));
    if (isRestartable(obj(c))) total++;
  }

  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  let initializing = false;
  const initStatuses = list(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const c = obj(initStatuses[i]);
    const restartable = isRestartable(initSpecs.get(str(c.name)));
    restarts += num(c.restartCount);
    lastRestart = laterFinish(lastRestart, c);
    if (restartable) {
      sidecarRestarts += num(c.restartCount);
      lastSidecarRestart = laterFinish(lastSidecarRestart, c);
    }
    const terminated = at(c, 'state', 'terminated');
    const waitingReason = str(at(c, 'state', 'waiting', 'reason'));
    if (isObj(terminated) && num(at(terminated, 'exitCode')) === 0) continue;
    if (restartable && c.started === true) {
      if (c.ready === true) ready++;
      continue;
    }
    if (isObj(terminated)) {
      const r = str(at(terminated, 'reason'));
      const signal = num(at(terminated, 'signal'));
      reason = r
        ? `Init:${r}`
        : signal !== 0
          ? `Init:Signal:${signal}`
          : `Init:ExitCode:${num(at(terminated, 'exitCode'))}`;
    } else if (waitingReason && waitingReason !== 'PodInitializing') {
      reason = `Init:${waitingReason}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(status.conditions, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = list(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = obj(statuses[i]);
      restarts += num(c.restartCount);
      lastRestart = laterFinish(lastRestart, c);
      const waiting = str(at(c, 'state', 'waiting', 'reason'));
      const terminated = at(c, 'state', 'terminated');
      const isTerminated = isObj(terminated);
      if (waiting) {
        reason = waiting;
      } else if (isTerminated && str(at(terminated, 'reason'))) {
        reason = str(at(terminated, 'reason'));
      } else if (isTerminated) {
        const signal = num(at(terminated, 'signal'));
        reason = signal !== 0 ? `Signal:${signal}` : `ExitCode:${num(at(terminated, 'exitCode'))}`;
      } else if (c.ready === true && isObj(at(c, 'state', 'running'))) {
        hasRunning = true;
        ready++;
      }
    }
    // A "Completed" pod with a container still running is really running (or not yet ready).
    if (reason === 'Completed' && hasRunning)
      reason = hasCondition(status.conditions, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp && str(status.reason) === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed')
    reason = 'Terminating';
  return { ready, total, reason, restarts, lastRestart };
}

function readinessGates(pod: KubeObject): string {
  const gates = list(at(pod, 'spec', 'readinessGates'));
  if (gates.length === 0) return '<none>';
  const conditions = list(at(pod, 'status', 'conditions'));
  const passing = gates.filter((g) => {
    const c = conditions.find((x) => str(at(x, 'type')) === str(at(g, 'conditionType')));
    return c !== undefined && str(at(c, 'status')) === 'True';
  }).length;
  return `${passing}/${gates.length}`;
}

function podIP(pod: KubeObject): string {
  const first = list(at(pod, 'status', 'podIPs'))[0];
  return str(at(first, 'ip')) || str(at(pod, 'status', 'podIP'));
}

export const podPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    ageColumn(),
    column(
      'IP',
      'string',
      'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
      1,
    ),
    column('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
    column(
      'Nominated Node',
      'string',
      'nominatedNodeName is set when this pod preempts other pods on the node.',
      1,
    ),
    column(
      'Readiness Gates',
      'string',
      'If specified, all readiness gates will be evaluated for pod readiness.',
      1,
    ),
  ],
  print(pod, now) {
    const s = summarize(pod);
    const restarts =
      s.restarts !== 0 && s.lastRestart !== 0
        ? `${s.restarts} (${translateTimestampSince(new Date(s.lastRestart).toISOString(), now)} ago)`
        : String(s.restarts);
    const phase = str(at(pod, 'status', 'phase'));
    return {
      cells: [
        pod.metadata.name ?? '',
        `${s.ready}/${s.total}`,
        s.reason,
        restarts,
        translateTimestampSince(pod.metadata.creationTimestamp, now),
        podIP(pod) || '<none>',
        str(at(pod, 'spec', 'nodeName')) || '<none>',
        str(at(pod, 'status', 'nominatedNodeName')) || '<none>',
        readinessGates(pod),
      ],
      conditions: phase === 'Succeeded' ? SUCCEEDED : phase === 'Failed' ? FAILED : undefined,
    };
  },
};
