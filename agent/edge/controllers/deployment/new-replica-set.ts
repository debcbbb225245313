/** The ReplicaSet a Deployment creates for its current template (kube's getNewReplicaSet, create half). */
import type { MetaLabelSelector } from '../../../../apiserver/selectors/label-selector.js';
import { clone, controllerRefTo } from '../meta.js';
import { POD_TEMPLATE_HASH_LABEL, podTemplateHash } from '../pod-template-hash.js';
import type { Deployment, ReplicaSet, ReplicaSetSpec } from '../types.js';
import { newReplicaSetAnnotations } from './replica-sets.js';
import { newReplicaSetReplicas } from './rolling.js';

/**
 * The Deployment's selector. apps/v1 requires one; a Deployment stored without it (the site API
 * does not validate) selects its template's labels, as extensions/v1beta1 defaulted.
 */
export function deploymentSelector(d: Deployment): MetaLabelSelector {
  return d.spec?.selector ?? { matchLabels: { ...(d.spec?.template?.metadata?.labels ?? {}) } };
}

/**
 * `<deployment>-<hash>`: the template with the pod-template-hash label, a selector narrowed to it,
 * sized by the rollout rules against the existing RSs and annotated with revision newRevision.
 */
export function newReplicaSetFor(
  d: Deployment,
  oldRSs: readonly ReplicaSet[],
  newRevision: number,
): ReplicaSet {
  const hash = podTemplateHash(d.spec?.template, d.status?.collisionCount);
  const template = clone(d.spec?.template ?? {});
  template.metadata = {
    ...template.metadata,
    labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
  };
  const selector = clone(deploymentSelector(d));
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const spec: ReplicaSetSpec = { replicas: 0, selector, template };
  if (d.spec?.minReadySeconds) spec.minReadySeconds = d.spec.minReadySeconds;
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${String(d.metadata.name)}-${hash}`,
      namespace: d.metadata.namespace,
      labels: { ...template.metadata.labels },
      ownerReferences: [controllerRefTo(d, 'apps/v1', 'Deployment')],
    },
    spec,
  };
  spec.replicas = newReplicaSetReplicas(d, [...oldRSs, rs], rs);
  rs.metadata.annotations = newReplicaSetAnnotations(d, rs, newRevision, false);
  return rs;
}
