/**
 * Generates what enabling federation of a type means in the API: the `types.kubefed.io/v1beta1`
 * `Federated<Kind>` CustomResourceDefinition (shaped like the CRDs `kubefedctl enable` generated, so
 * kubefed manifests apply unchanged) and the FederatedTypeConfig that tells the controllers to sync it.
 * Pure: no I/O. `edgefed generate crds` writes the defaults into crds/, `edgefed enable` creates them.
 */
import type { JSONSchemaProps, KubeObject } from '../../api/kubernetes.js';
import {
  FEDERATED_GROUP,
  FEDERATED_VERSION,
  HUB_NAMESPACE,
  type FederatedTypeConfig,
  type TypeRef,
} from '../../api/federation.js';

/** Work and federated status: a member workload's pods (edgefed). */
export const POD_SUMMARY_SCHEMA: JSONSchemaProps = {
  type: 'object',
  description:
    "The member workload's pods: count, ready, container restarts, why some are not running (edgefed).",
  properties: {
    total: { type: 'integer' },
    ready: { type: 'integer' },
    restarts: { type: 'integer' },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        required: ['pod', 'reason'],
        properties: {
          pod: { type: 'string' },
          container: { type: 'string' },
          reason: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
};

export const FTC_API_VERSION = 'core.kubefed.io/v1beta1';
export const CRD_API_VERSION = 'apiextensions.k8s.io/v1';
/** Label on generated CRDs, so tooling can tell them from hand-written ones. */
export const GENERATED_BY_LABEL = 'edgefed.io/generated-by';

/** The types kubefed's Helm chart enabled; the hub ships their Federated CRDs and FTCs. */
export const DEFAULT_FEDERATED_TYPES: TypeRef[] = [
  { version: 'v1', kind: 'Namespace', pluralName: 'namespaces', scope: 'Cluster' },
  { version: 'v1', kind: 'ConfigMap', pluralName: 'configmaps', scope: 'Namespaced' },
  { version: 'v1', kind: 'Secret', pluralName: 'secrets', scope: 'Namespaced' },
  { version: 'v1', kind: 'ServiceAccount', pluralName: 'serviceaccounts', scope: 'Namespaced' },
  { version: 'v1', kind: 'Service', pluralName: 'services', scope: 'Namespaced' },
  { group: 'apps', version: 'v1', kind: 'Deployment', pluralName: 'deployments', scope: 'Namespaced' },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', pluralName: 'replicasets', scope: 'Namespaced' },
  { group: 'batch', version: 'v1', kind: 'Job', pluralName: 'jobs', scope: 'Namespaced' },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    pluralName: 'ingresses',
    scope: 'Namespaced',
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    pluralName: 'clusterroles',
    scope: 'Cluster',
  },
];

/**
 * Short names for the default federated types: `f` + the target's kubectl short name (kubefedctl's
 * rule), or an abbreviation where the target has none (secrets, jobs, clusterroles).
 */
const KNOWN_SHORT_NAMES: Record<string, string[]> = {
  namespaces: ['fns'],
  configmaps: ['fcm'],
  secrets: ['fsecret'],
  serviceaccounts: ['fsa'],
  services: ['fsvc'],
  'deployments.apps': ['fdeploy'],
  'replicasets.apps': ['frs'],
  'jobs.batch': ['fjob'],
  'ingresses.networking.k8s.io': ['fing'],
  'clusterroles.rbac.authorization.k8s.io': ['fcr'],
};

/** `<plural>.<group>`, or `<plural>` for the core group (kubefed's GroupQualifiedName). */
export function groupQualifiedName(t: Pick<TypeRef, 'pluralName' | 'group'>): string {
  return t.group ? `${t.pluralName}.${t.group}` : t.pluralName;
}

/** The FederatedTypeConfig's name for a target type. */
export function typeConfigName(target: TypeRef): string {
  return groupQualifiedName(target);
}

/** The short names edgefed gives the Federated type of a well-known target ([] when unknown). */
export function knownFederatedShortNames(target: TypeRef): string[] {
  return [...(KNOWN_SHORT_NAMES[groupQualifiedName(target)] ?? [])];
}

/** The Federated type (as a TypeRef) for a target: FederatedNamespace is namespaced, like kubefed's. */
export function federatedTypeFor(target: TypeRef): TypeRef {
  const isNamespace = !target.group && target.pluralName === 'namespaces';
  return {
    group: FEDERATED_GROUP,
    version: FEDERATED_VERSION,
    kind: `Federated${target.kind}`,
    pluralName: `federated${target.pluralName}`,
    scope: isNamespace ? 'Namespaced' : target.scope,
  };
}

export interface FederatedCrdOptions {
  /** Short names for the Federated type; default: the well-known one for default types, else none. */
  shortNames?: string[];
}

const str = (description: string): JSONSchemaProps => ({ type: 'string', description });
const dateTime = (description: string): JSONSchemaProps => ({
  type: 'string',
  format: 'date-time',
  description,
});

function labelSelectorSchema(description: string): JSONSchemaProps {
  return {
    type: 'object',
    description,
    properties: {
      matchLabels: {
        type: 'object',
        description: 'Cluster labels that must all match (key: value).',
        additionalProperties: { type: 'string' },
      },
      matchExpressions: {
        type: 'array',
        description: 'Label requirements that must all match.',
        items: {
          type: 'object',
          required: ['key', 'operator'],
          properties: {
            key: str('The label key.'),
            operator: str('In, NotIn, Exists or DoesNotExist.'),
            values: {
              type: 'array',
              description: 'Values for In and NotIn; empty for Exists and DoesNotExist.',
              items: { type: 'string' },
            },
          },
        },
      },
    },
  };
}

function specSchema(target: TypeRef): JSONSchemaProps {
  const what = target.kind;
  return {
    type: 'object',
    description: `What to propagate (template), where (placement) and how it differs per cluster (overrides).`,
    properties: {
      template: {
        type: 'object',
        description:
          `The ${what} to create in each selected cluster, without status. Its name and namespace ` +
          `come from this object's metadata.`,
        'x-kubernetes-preserve-unknown-fields': true,
      },
      placement: {
        type: 'object',
        description:
          'Which member clusters receive the object. If clusters is set (even to []), clusterSelector ' +
          'is ignored; neither set selects no clusters; clusterSelector: {} selects all clusters.',
        properties: {
          clusters: {
            type: 'array',
            description: 'Member clusters by KubeFedCluster name.',
            items: {
              type: 'object',
              required: ['name'],
              properties: { name: str('The KubeFedCluster name.') },
            },
          },
          clusterSelector: labelSelectorSchema(
            'Selects member clusters by the labels on their KubeFedCluster; {} selects all clusters.',
          ),
        },
      },
      overrides: {
        type: 'array',
        description: `Per-cluster changes to the template, as RFC 6902 JSON patch operations.`,
        items: {
          type: 'object',
          required: ['clusterName'],
          properties: {
            clusterName: str('The member cluster the overrides apply to.'),
            clusterOverrides: {
              type: 'array',
              description: 'Patch operations applied to the template for this cluster, in order.',
              items: {
                type: 'object',
                required: ['path'],
                properties: {
                  op: {
                    type: 'string',
                    description: 'add, remove or replace (the default).',
                    pattern: '^(add|remove|replace)?$',
                  },
                  path: str('JSON pointer into the template, e.g. /spec/replicas.'),
                  value: {
                    description: 'The value for add and replace.',
                    'x-kubernetes-preserve-unknown-fields': true,
                  },
                },
              },
            },
          },
        },
      },
      retainReplicas: {
        type: 'boolean',
        description:
          'Keep spec.replicas as set in each member cluster (e.g. by an autoscaler) instead of the ' +
          'template value. Only meaningful for types with spec.replicas.',
      },
    },
  };
}

function statusSchema(): JSONSchemaProps {
  return {
    type: 'object',
    description: 'Where the object was propagated and how it is doing there. Written by edgefed.',
    properties: {
      observedGeneration: {
        type: 'integer',
        format: 'int64',
        description: 'The generation of this object the status describes.',
      },
      conditions: {
        type: 'array',
        description: 'Propagation: True when every selected cluster has the rendered object.',
        items: {
          type: 'object',
          required: ['type', 'status'],
          properties: {
            type: str('Condition type, e.g. Propagation.'),
            status: str('True, False or Unknown.'),
            reason: str(
              'Why, in one word, e.g. CheckClusters, NamespaceNotFederated, ComputePlacementFailed.',
            ),
            message: str('Human-readable detail.'),
            lastUpdateTime: dateTime('When the condition was last updated.'),
            lastTransitionTime: dateTime('When the condition last changed status.'),
            observedGeneration: {
              type: 'integer',
              format: 'int64',
              description: 'The generation of this object the condition describes.',
            },
          },
        },
      },
      clusters: {
        type: 'array',
        description: 'One entry per selected cluster.',
        items: {
          type: 'object',
          required: ['name'],
          properties: {
            name: str('The member cluster.'),
            status: str(
              'Omitted when the object is in place; otherwise e.g. ClusterNotReady, CreationFailed, ' +
                'UpdateFailed, DeletionFailed, ApplyOverridesFailed, AlreadyExists, ManagedLabelFalse, ' +
                'WaitingForRemoval.',
            ),
            message: str('Detail for status (edgefed).'),
            remoteStatus: {
              description: "The member object's status, when status collection is enabled.",
              'x-kubernetes-preserve-unknown-fields': true,
            },
            pods: POD_SUMMARY_SCHEMA,
          },
        },
      },
      clustersSummary: str('"applied/selected" clusters, e.g. 3/3 (edgefed).'),
      readySummary: str('"ready/desired" replicas across clusters, for workloads (edgefed).'),
    },
  };
}

/**
 * The `Federated<Kind>` CRD for a target type: kubefed's spec (template, placement, overrides) and
 * status, plus edgefed's summary columns.
 */
export function federatedCrdFor(target: TypeRef, opts: FederatedCrdOptions = {}): KubeObject {
  const fed = federatedTypeFor(target);
  const shortNames = opts.shortNames ?? knownFederatedShortNames(target);
  const targetName = groupQualifiedName(target);
  return {
    apiVersion: CRD_API_VERSION,
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${fed.pluralName}.${FEDERATED_GROUP}`,
      labels: { [GENERATED_BY_LABEL]: 'edgefed' },
      annotations: { 'edgefed.io/target-type': `${targetName}/${target.version}` },
    },
    spec: {
      group: FEDERATED_GROUP,
      names: {
        kind: fed.kind,
        listKind: `${fed.kind}List`,
        plural: fed.pluralName,
        singular: fed.kind.toLowerCase(),
        ...(shortNames.length ? { shortNames } : {}),
        categories: ['federated'],
      },
      scope: fed.scope,
      versions: [
        {
          name: FEDERATED_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            {
              name: 'Clusters',
              type: 'string',
              jsonPath: '.status.clustersSummary',
              description: 'Clusters with the object in place / clusters selected by placement',
            },
            {
              name: 'Ready',
              type: 'string',
              jsonPath: '.status.readySummary',
              description: 'Ready / desired replicas across clusters (workloads)',
            },
            {
              name: 'Propagation',
              type: 'string',
              jsonPath: '.status.conditions[?(@.type=="Propagation")].status',
              description: 'Whether every selected cluster received the object',
            },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                `Federated${target.kind} propagates a ${target.kind} (${targetName}/${target.version}) ` +
                `to member clusters, with placement and per-cluster overrides (kubefed API).`,
              required: ['spec'],
              properties: {
                apiVersion: str('types.kubefed.io/v1beta1'),
                kind: str(fed.kind),
                metadata: { type: 'object' },
                spec: specSchema(target),
                status: statusSchema(),
              },
            },
          },
        },
      ],
    },
  };
}

/** The FederatedTypeConfig enabling propagation and status collection for a target type. */
export function federatedTypeConfigFor(target: TypeRef): FederatedTypeConfig {
  const targetType: TypeRef = {
    ...(target.group ? { group: target.group } : {}),
    version: target.version,
    kind: target.kind,
    pluralName: target.pluralName,
    scope: target.scope,
  };
  return {
    apiVersion: FTC_API_VERSION,
    kind: 'FederatedTypeConfig',
    metadata: { name: typeConfigName(target), namespace: HUB_NAMESPACE },
    spec: {
      targetType,
      federatedType: federatedTypeFor(target),
      propagation: 'Enabled',
      statusCollection: 'Enabled',
    },
  };
}
