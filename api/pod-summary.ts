/**
 * What the pods of a member workload look like, in a few numbers: how many, how many ready, how
 * many container restarts, and the first few reasons pods are not running (ErrImagePull,
 * CrashLoopBackOff...). Part of the Work status API: the agent writes it (agent/pods/summary.ts),
 * the hub folds it into the federated object's status.clusters[].pods.
 */
export interface PodProblem {
  pod: string;
  container?: string;
  reason: string;
  message?: string;
}

export interface PodSummary {
  total: number;
  ready: number;
  restarts: number;
  /** At most MAX_PROBLEMS, sorted by pod then container, so the summary is stable. */
  problems?: PodProblem[];
}

export const MAX_PROBLEMS = 5;
