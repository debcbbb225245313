/**
 * What to do with an object that already exists in the member under the manifest's name (kubefed's
 * adoption rules). Pure.
 */
import type { KubeObject } from '../../api/kubernetes.js';
import { MANAGED_LABEL, type ClusterPropagationStatus } from '../../api/federation.js';

export type ExistingDecision =
  /** Ours, or adoptable: update it (kubefed adoption: create → AlreadyExists → update). */
  | { action: 'update'; adopt: boolean }
  /** Someone opted the object out of federation: leave it and say so. */
  | { action: 'leave'; clusterStatus: ClusterPropagationStatus; message: string }
  /** Being deleted in the member: wait until it is gone, then create it again. */
  | { action: 'wait'; message: string };

export function decideExisting(member: KubeObject): ExistingDecision {
  const label = member.metadata.labels?.[MANAGED_LABEL];
  if (label === 'false') {
    return {
      action: 'leave',
      clusterStatus: 'ManagedLabelFalse',
      message: `the member object is labelled ${MANAGED_LABEL}: "false"; leaving it alone`,
    };
  }
  if (member.metadata.deletionTimestamp) {
    return { action: 'wait', message: 'the member object is being deleted; it is recreated once gone' };
  }
  return { action: 'update', adopt: label !== 'true' };
}
