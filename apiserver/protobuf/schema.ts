// Kubernetes' protobuf wire types (loaded lazily with protobufjs), and the facts about the Go
// types behind them that the wire descriptions do not carry (which scalar fields are
// pointers, which message fields are embedded inline, which JSON names differ).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Root } from 'protobufjs';

/** Package prefixes of the vendored .proto files. */
export const PKG = {
  meta: 'k8s.io.apimachinery.pkg.apis.meta.v1',
  runtime: 'k8s.io.apimachinery.pkg.runtime',
  resource: 'k8s.io.apimachinery.pkg.api.resource',
  intstr: 'k8s.io.apimachinery.pkg.util.intstr',
  core: 'k8s.io.api.core.v1',
  apps: 'k8s.io.api.apps.v1',
  batch: 'k8s.io.api.batch.v1',
  networking: 'k8s.io.api.networking.v1',
  rbac: 'k8s.io.api.rbac.v1',
  coordination: 'k8s.io.api.coordination.v1',
  apiextensions: 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1',
  policy: 'k8s.io.api.policy.v1',
  scheduling: 'k8s.io.api.scheduling.v1',
  authorization: 'k8s.io.api.authorization.v1',
  authentication: 'k8s.io.api.authentication.v1',
} as const;

/** "group/version" (or "version" for the core group) → kind → fully qualified message name. */
const KINDS: Record<string, Record<string, string>> = {
  v1: {
    Namespace: `${PKG.core}.Namespace`,
    ConfigMap: `${PKG.core}.ConfigMap`,
    Secret: `${PKG.core}.Secret`,
    ServiceAccount: `${PKG.core}.ServiceAccount`,
    Event: `${PKG.core}.Event`,
    Pod: `${PKG.core}.Pod`,
    Service: `${PKG.core}.Service`,
    Node: `${PKG.core}.Node`,
    PersistentVolumeClaim: `${PKG.core}.PersistentVolumeClaim`,
    ResourceQuota: `${PKG.core}.ResourceQuota`,
  },
  'apps/v1': {
    Deployment: `${PKG.apps}.Deployment`,
    ReplicaSet: `${PKG.apps}.ReplicaSet`,
    StatefulSet: `${PKG.apps}.StatefulSet`,
    DaemonSet: `${PKG.apps}.DaemonSet`,
  },
  'batch/v1': { Job: `${PKG.batch}.Job`, CronJob: `${PKG.batch}.CronJob` },
  'networking.k8s.io/v1': { Ingress: `${PKG.networking}.Ingress` },
  'rbac.authorization.k8s.io/v1': {
    ClusterRole: `${PKG.rbac}.ClusterRole`,
    ClusterRoleBinding: `${PKG.rbac}.ClusterRoleBinding`,
    Role: `${PKG.rbac}.Role`,
    RoleBinding: `${PKG.rbac}.RoleBinding`,
  },
  'coordination.k8s.io/v1': { Lease: `${PKG.coordination}.Lease` },
  'apiextensions.k8s.io/v1': { CustomResourceDefinition: `${PKG.apiextensions}.CustomResourceDefinition` },
  // kubectl create poddisruptionbudget / priorityclass send these.
  'policy/v1': { PodDisruptionBudget: `${PKG.policy}.PodDisruptionBudget` },
  'scheduling.k8s.io/v1': { PriorityClass: `${PKG.scheduling}.PriorityClass` },
  // kubectl auth can-i / whoami and create token send these (virtual creates, apiserver/auth).
  'authorization.k8s.io/v1': Object.fromEntries(
    [
      'SelfSubjectAccessReview',
      'SelfSubjectRulesReview',
      'SubjectAccessReview',
      'LocalSubjectAccessReview',
    ].map((k) => [k, `${PKG.authorization}.${k}`]),
  ),
  'authentication.k8s.io/v1': Object.fromEntries(
    ['SelfSubjectReview', 'TokenRequest', 'TokenReview'].map((k) => [k, `${PKG.authentication}.${k}`]),
  ),
};

/**
 * The message name for an apiVersion/kind, or undefined when it is not supported. DeleteOptions is
 * accepted under any apiVersion: client-go encodes it in the group version of the resource being deleted
 * (metav1.DeleteOptions is registered in every group version) as well as in meta.k8s.io/v1.
 */
export function messageNameFor(apiVersion: string, kind: string): string | undefined {
  if (kind === 'DeleteOptions' && apiVersion !== '') return `${PKG.meta}.DeleteOptions`;
  const byKind = Object.prototype.hasOwnProperty.call(KINDS, apiVersion) ? KINDS[apiVersion] : undefined;
  return byKind && Object.prototype.hasOwnProperty.call(byKind, kind) ? byKind[kind] : undefined;
}

/** Every apiVersion/kind pair decodeKubeProtobuf accepts (DeleteOptions listed under meta.k8s.io/v1 and v1). */
export function supportedKinds(): { apiVersion: string; kind: string }[] {
  const out: { apiVersion: string; kind: string }[] = [];
  for (const [apiVersion, kinds] of Object.entries(KINDS)) {
    for (const kind of Object.keys(kinds)) out.push({ apiVersion, kind });
  }
  out.push(
    { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions' },
    { apiVersion: 'v1', kind: 'DeleteOptions' },
  );
  return out;
}

/**
 * Scalar fields that are Go pointers (`*int32`, `*bool`, `*string`, ...), keyed "Message.field". go-to-protobuf
 * writes every non-pointer scalar even when it holds the zero value, so a zero on the wire means "unset" for
 * those (dropped, as `omitempty` would) but "explicitly zero" for these (kept: replicas: 0,
 * automountServiceAccountToken: false, runAsUser: 0, gracePeriodSeconds: 0, ...).
 */
export const POINTER_SCALARS: ReadonlySet<string> = new Set([
  // meta/v1
  'DeleteOptions.gracePeriodSeconds',
  'DeleteOptions.orphanDependents',
  'DeleteOptions.propagationPolicy',
  'DeleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential',
  'Preconditions.uid',
  'Preconditions.resourceVersion',
  'ObjectMeta.deletionGracePeriodSeconds',
  'OwnerReference.controller',
  'OwnerReference.blockOwnerDeletion',
  'ListMeta.remainingItemCount',
  // core/v1
  'ConfigMap.immutable',
  'Secret.immutable',
  'ServiceAccount.automountServiceAccountToken',
  'ConfigMapEnvSource.optional',
  'ConfigMapKeySelector.optional',
  'ConfigMapProjection.optional',
  'ConfigMapVolumeSource.optional',
  'ConfigMapVolumeSource.defaultMode',
  'SecretEnvSource.optional',
  'SecretKeySelector.optional',
  'SecretProjection.optional',
  'SecretVolumeSource.optional',
  'SecretVolumeSource.defaultMode',
  'FileKeySelector.optional',
  'KeyToPath.mode',
  'DownwardAPIVolumeFile.mode',
  'DownwardAPIVolumeSource.defaultMode',
  'ProjectedVolumeSource.defaultMode',
  'ServiceAccountTokenProjection.expirationSeconds',
  'ClusterTrustBundleProjection.name',
  'ClusterTrustBundleProjection.signerName',
  'ClusterTrustBundleProjection.optional',
  'PodCertificateProjection.maxExpirationSeconds',
  'CSIVolumeSource.readOnly',
  'CSIVolumeSource.fsType',
  'HostPathVolumeSource.type',
  'ISCSIVolumeSource.initiatorName',
  'AzureDiskVolumeSource.cachingMode',
  'AzureDiskVolumeSource.fsType',
  'AzureDiskVolumeSource.readOnly',
  'AzureDiskVolumeSource.kind',
  'PodDisruptionBudgetSpec.unhealthyPodEvictionPolicy',
  'PriorityClass.preemptionPolicy',
  'PersistentVolumeClaimSpec.storageClassName',
  'PersistentVolumeClaimSpec.volumeMode',
  'PersistentVolumeClaimSpec.volumeAttributesClassName',
  'PersistentVolumeClaimStatus.currentVolumeAttributesClassName',
  'TypedLocalObjectReference.apiGroup',
  'TypedObjectReference.apiGroup',
  'TypedObjectReference.namespace',
  'PodSpec.terminationGracePeriodSeconds',
  'PodSpec.activeDeadlineSeconds',
  'PodSpec.automountServiceAccountToken',
  'PodSpec.shareProcessNamespace',
  'PodSpec.priority',
  'PodSpec.runtimeClassName',
  'PodSpec.enableServiceLinks',
  'PodSpec.preemptionPolicy',
  'PodSpec.setHostnameAsFQDN',
  'PodSpec.hostUsers',
  'PodSpec.hostnameOverride',
  'Container.restartPolicy',
  'EphemeralContainerCommon.restartPolicy',
  'ContainerStatus.started',
  'ContainerStatus.stopSignal',
  'Lifecycle.stopSignal',
  'Probe.terminationGracePeriodSeconds',
  'GRPCAction.service',
  'SecurityContext.privileged',
  'SecurityContext.runAsUser',
  'SecurityContext.runAsGroup',
  'SecurityContext.runAsNonRoot',
  'SecurityContext.readOnlyRootFilesystem',
  'SecurityContext.allowPrivilegeEscalation',
  'SecurityContext.procMount',
  'PodSecurityContext.runAsUser',
  'PodSecurityContext.runAsGroup',
  'PodSecurityContext.runAsNonRoot',
  'PodSecurityContext.fsGroup',
  'PodSecurityContext.fsGroupChangePolicy',
  'PodSecurityContext.supplementalGroupsPolicy',
  'PodSecurityContext.seLinuxChangePolicy',
  'WindowsSecurityContextOptions.gmsaCredentialSpecName',
  'WindowsSecurityContextOptions.gmsaCredentialSpec',
  'WindowsSecurityContextOptions.runAsUserName',
  'WindowsSecurityContextOptions.hostProcess',
  'SeccompProfile.localhostProfile',
  'AppArmorProfile.localhostProfile',
  'Toleration.tolerationSeconds',
  'TopologySpreadConstraint.minDomains',
  'TopologySpreadConstraint.nodeAffinityPolicy',
  'TopologySpreadConstraint.nodeTaintsPolicy',
  'PodDNSConfigOption.value',
  'PodResourceClaim.resourceClaimName',
  'PodResourceClaim.resourceClaimTemplateName',
  'PodResourceClaimStatus.resourceClaimName',
  'VolumeMount.recursiveReadOnly',
  'VolumeMountStatus.recursiveReadOnly',
  'ResourceHealth.message',
  'ServiceSpec.allocateLoadBalancerNodePorts',
  'ServiceSpec.ipFamilyPolicy',
  'ServiceSpec.loadBalancerClass',
  'ServiceSpec.internalTrafficPolicy',
  'ServiceSpec.trafficDistribution',
  'ClientIPConfig.timeoutSeconds',
  'ServicePort.appProtocol',
  'LoadBalancerIngress.ipMode',
  'PortStatus.error',
  'NodeSwapStatus.capacity',
  'NodeFeatures.supplementalGroupsPolicy',
  'NodeFeatures.containerUlimits',
  'NodeRuntimeHandlerFeatures.recursiveReadOnlyMounts',
  'NodeRuntimeHandlerFeatures.userNamespaces',
  // apps/v1
  'DeploymentSpec.replicas',
  'DeploymentSpec.revisionHistoryLimit',
  'DeploymentSpec.progressDeadlineSeconds',
  'DeploymentSpec.podReplacementPolicy',
  'DeploymentStatus.terminatingReplicas',
  'DeploymentStatus.collisionCount',
  'ReplicaSetSpec.replicas',
  'ReplicaSetStatus.terminatingReplicas',
  'StatefulSetSpec.replicas',
  'StatefulSetSpec.revisionHistoryLimit',
  'StatefulSetStatus.collisionCount',
  'RollingUpdateStatefulSetStrategy.partition',
  'DaemonSetSpec.revisionHistoryLimit',
  'DaemonSetStatus.collisionCount',
  // batch/v1
  'JobSpec.parallelism',
  'JobSpec.completions',
  'JobSpec.activeDeadlineSeconds',
  'JobSpec.backoffLimit',
  'JobSpec.backoffLimitPerIndex',
  'JobSpec.maxFailedIndexes',
  'JobSpec.manualSelector',
  'JobSpec.ttlSecondsAfterFinished',
  'JobSpec.completionMode',
  'JobSpec.suspend',
  'JobSpec.podReplacementPolicy',
  'JobSpec.managedBy',
  'JobStatus.failedIndexes',
  'JobStatus.terminating',
  'JobStatus.ready',
  'PodFailurePolicyOnExitCodesRequirement.containerName',
  'SuccessPolicyRule.succeededIndexes',
  'SuccessPolicyRule.succeededCount',
  'CronJobSpec.timeZone',
  'CronJobSpec.startingDeadlineSeconds',
  'CronJobSpec.suspend',
  'CronJobSpec.successfulJobsHistoryLimit',
  'CronJobSpec.failedJobsHistoryLimit',
  // networking.k8s.io/v1
  'IngressSpec.ingressClassName',
  'HTTPIngressPath.pathType',
  'IngressPortStatus.error',
  // coordination.k8s.io/v1
  'LeaseSpec.holderIdentity',
  'LeaseSpec.leaseDurationSeconds',
  'LeaseSpec.leaseTransitions',
  'LeaseSpec.strategy',
  'LeaseSpec.preferredHolder',
  // apiextensions.k8s.io/v1
  'JSONSchemaProps.maximum',
  'JSONSchemaProps.minimum',
  'JSONSchemaProps.maxLength',
  'JSONSchemaProps.minLength',
  'JSONSchemaProps.maxItems',
  'JSONSchemaProps.minItems',
  'JSONSchemaProps.multipleOf',
  'JSONSchemaProps.maxProperties',
  'JSONSchemaProps.minProperties',
  'JSONSchemaProps.xKubernetesPreserveUnknownFields',
  'JSONSchemaProps.xKubernetesListType',
  'JSONSchemaProps.xKubernetesMapType',
  'ValidationRule.reason',
  'ValidationRule.optionalOldSelf',
  'CustomResourceDefinitionVersion.deprecationWarning',
  'CustomResourceSubresourceScale.labelSelectorPath',
  'WebhookClientConfig.url',
  'ServiceReference.path',
  'ServiceReference.port',
]);

/** Non-pointer scalars whose JSON tag has no `omitempty`, where Go writes the zero value too. */
export const ALWAYS_EMITTED: ReadonlySet<string> = new Set([
  'CustomResourceDefinitionVersion.served',
  'CustomResourceDefinitionVersion.storage',
]);

/** Message fields embedded with `json:",inline"`: their fields are merged into the parent object. */
export const INLINE_FIELDS: ReadonlySet<string> = new Set([
  'ConfigMapEnvSource.localObjectReference',
  'ConfigMapKeySelector.localObjectReference',
  'ConfigMapProjection.localObjectReference',
  'ConfigMapVolumeSource.localObjectReference',
  'SecretEnvSource.localObjectReference',
  'SecretKeySelector.localObjectReference',
  'SecretProjection.localObjectReference',
  'EphemeralContainer.ephemeralContainerCommon',
  'Volume.volumeSource',
  'PersistentVolumeSpec.persistentVolumeSource',
  'Probe.handler',
  'IngressRule.ingressRuleValue',
]);

/** Proto field names that are not the JSON name ("Message.field" → JSON name). */
export const JSON_NAMES: ReadonlyMap<string, string> = new Map([
  ['JSONSchemaProps.ref', '$ref'],
  ['JSONSchemaProps.schema', '$schema'],
  ['JSONSchemaProps.xKubernetesPreserveUnknownFields', 'x-kubernetes-preserve-unknown-fields'],
  ['JSONSchemaProps.xKubernetesEmbeddedResource', 'x-kubernetes-embedded-resource'],
  ['JSONSchemaProps.xKubernetesIntOrString', 'x-kubernetes-int-or-string'],
  ['JSONSchemaProps.xKubernetesListMapKeys', 'x-kubernetes-list-map-keys'],
  ['JSONSchemaProps.xKubernetesListType', 'x-kubernetes-list-type'],
  ['JSONSchemaProps.xKubernetesMapType', 'x-kubernetes-map-type'],
  ['JSONSchemaProps.xKubernetesValidations', 'x-kubernetes-validations'],
  ['IngressClassParametersReference.aPIGroup', 'apiGroup'],
]);

/**
 * The wire descriptions of the kinds above (a protobufjs JSON descriptor: message names, field
 * numbers and types — the facts of the protocol, which is what interoperating with kubectl's typed
 * clients needs). Found next to this module from source (tsx) and from dist/.
 */
function wireTypesPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, 'wire-types.json'),
    join(here, '..', '..', '..', 'apiserver', 'protobuf', 'wire-types.json'),
  ];
  for (const p of candidates) if (existsSync(p)) return p;
  throw new Error(
    `edgefed: the Kubernetes wire type descriptions were not found (looked in ${candidates.join(', ')})`,
  );
}

let cachedRoot: Root | undefined;

/** The resolved protobuf root of every supported kind; loaded once, on first use. */
export function kubeProtoRoot(): Root {
  if (cachedRoot) return cachedRoot;
  const root = protobuf.Root.fromJSON(
    JSON.parse(readFileSync(wireTypesPath(), 'utf8')) as protobuf.INamespace,
  );
  root.resolveAll();
  cachedRoot = root;
  return root;
}
