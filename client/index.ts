/** The controller runtime: what every edgefed controller builds on. */
export { Backoff, sleep } from './backoff.js';
export {
  KubeClient,
  PATCH_CONTENT_TYPES,
  resourcePath,
  type ClientOptions,
  type DeleteOptions,
  type JsonPatchOp,
  type KubeList,
  type ListOptions,
  type PatchType,
  type WriteOptions,
} from './client.js';
export {
  ApiError,
  isAlreadyExists,
  isApiError,
  isConflict,
  isExpired,
  isNotFound,
  type Status,
} from './errors.js';
export {
  Informer,
  objectKey,
  type InformerEvent,
  type InformerHandlers,
  type InformerOptions,
  type InformerStats,
} from './informer.js';
export { LeaderElector, type Lease, type LeaseSpec, type LeaderElectorOptions } from './leader-election.js';
export { silentLogger, type RuntimeLogger } from './log.js';
export { WorkQueue, runWorkers, type ReconcileResult, type WorkQueueOptions } from './workqueue.js';
