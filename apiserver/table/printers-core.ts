import { formatLabels } from '../selectors/label-selector.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { at, list, num, obj, str, strMap } from './access.js';
import { ageColumn, column, nameColumn } from './columns.js';
import { translateTimestampSince } from './duration.js';
import { loadBalancerAddresses, type Printer } from './printer.js';

const age = (o: KubeObject, now: number): string =>
  translateTimestampSince(o.metadata.creationTimestamp, now);
const name = (o: KubeObject): string => o.metadata.name ?? '';
const keyCount = (...maps: unknown[]): number => new Set(maps.flatMap((m) => Object.keys(obj(m)))).size;

export const namespacePrinter: Printer = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  print: (o, now) => ({ cells: [name(o), str(at(o, 'status', 'phase')), age(o, now)] }),
};

export const configMapPrinter: Printer = {
  columns: [
    nameColumn(),
    column(
      'Data',
      'string',
      "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
    ),
    ageColumn(),
  ],
  print: (o, now) => ({
    cells: [name(o), Object.keys(obj(o.data)).length + Object.keys(obj(o.binaryData)).length, age(o, now)],
  }),
};

export const secretPrinter: Printer = {
  columns: [
    nameColumn(),
    column(
      'Type',
      'string',
      'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types',
    ),
    column(
      'Data',
      'string',
      "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
    ),
    ageColumn(),
  ],
  // stringData is merged into data on write; count both in case it was stored as sent.
  print: (o, now) => ({
    cells: [name(o), str(o.type) || 'Opaque', keyCount(o.data, o.stringData), age(o, now)],
  }),
};

export const serviceAccountPrinter: Printer = {
  columns: [
    nameColumn(),
    column(
      'Secrets',
      'string',
      'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
    ),
    ageColumn(),
  ],
  print: (o, now) => ({ cells: [name(o), list(o.secrets).length, age(o, now)] }),
};

/** Event timestamps: firstTimestamp, then eventTime; series supersede lastTimestamp and count. */
function eventCells(o: KubeObject, now: number): unknown[] {
  const first = str(o.firstTimestamp)
    ? translateTimestampSince(str(o.firstTimestamp), now)
    : translateTimestampSince(str(o.eventTime), now);
  let last = str(o.lastTimestamp) ? translateTimestampSince(str(o.lastTimestamp), now) : first;
  let count = num(o.count);
  const series = o.series;
  if (series && typeof series === 'object') {
    last = translateTimestampSince(str(at(series, 'lastObservedTime')), now);
    count = num(at(series, 'count'));
  } else if (count === 0) {
    count = 1;
  }
  const involved = obj(o.involvedObject);
  const kind = str(involved.kind).toLowerCase();
  const target = str(involved.name) ? `${kind}/${str(involved.name)}` : kind;
  const component = str(at(o, 'source', 'component')) || str(o.reportingComponent);
  const instance = str(at(o, 'source', 'host')) || str(o.reportingInstance);
  return [
    last,
    str(o.type),
    str(o.reason),
    target,
    str(involved.fieldPath),
    instance ? `${component}, ${instance}` : component,
    str(o.message).trim(),
    first,
    count,
    name(o),
  ];
}

export const eventPrinter: Printer = {
  columns: [
    column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column(
      'Reason',
      'string',
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    column('Object', 'string', 'The object that this event is about.'),
    column(
      'Subobject',
      'string',
      'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].',
      1,
    ),
    column(
      'Source',
      'string',
      'The component reporting this event. Should be a short machine understandable string.',
      1,
    ),
    column('Message', 'string', 'A human-readable description of the status of this operation.'),
    column(
      'First Seen',
      'string',
      'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
      1,
    ),
    column('Count', 'string', 'The number of times this event has occurred.', 1),
    nameColumn(1),
  ],
  print: (o, now) => ({ cells: eventCells(o, now) }),
};

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';

function nodeRoles(o: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (k.startsWith(NODE_ROLE_PREFIX) && k.length > NODE_ROLE_PREFIX.length)
      roles.add(k.slice(NODE_ROLE_PREFIX.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort().join(',') || '<none>';
}

function nodeStatus(o: KubeObject): string {
  const ready = list(at(o, 'status', 'conditions')).find((c) => str(at(c, 'type')) === 'Ready');
  const status =
    ready === undefined ? ['Unknown'] : [str(at(ready, 'status')) === 'True' ? 'Ready' : 'NotReady'];
  if (at(o, 'spec', 'unschedulable') === true) status.push('SchedulingDisabled');
  return status.join(',');
}

const nodeAddress = (o: KubeObject, type: string): string =>
  str(
    at(
      list(at(o, 'status', 'addresses')).find((a) => str(at(a, 'type')) === type),
      'address',
    ),
  ) || '<none>';

export const nodePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    column('Version', 'string', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
    column('External-IP', 'string', 'List of addresses reachable to the node.', 1),
    column(
      'OS-Image',
      'string',
      'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
      1,
    ),
    column(
      'Kernel-Version',
      'string',
      "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
      1,
    ),
    column(
      'Container-Runtime',
      'string',
      'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
      1,
    ),
  ],
  print(o, now) {
    const info = obj(at(o, 'status', 'nodeInfo'));
    return {
      cells: [
        name(o),
        nodeStatus(o),
        nodeRoles(o),
        age(o, now),
        str(info.kubeletVersion),
        nodeAddress(o, 'InternalIP'),
        nodeAddress(o, 'ExternalIP'),
        str(info.osImage) || '<unknown>',
        str(info.kernelVersion) || '<unknown>',
        str(info.containerRuntimeVersion) || '<unknown>',
      ],
    };
  },
};

function serviceExternalIP(o: KubeObject, type: string): string {
  const external = list(at(o, 'spec', 'externalIPs')).map(str);
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(at(o, 'status', 'loadBalancer'));
      if (external.length) return [...(lb ? lb.split(',') : []), ...external].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return str(at(o, 'spec', 'externalName'));
    default:
      return '<unknown>';
  }
}

/** makePortString: "80/TCP,443:30443/TCP". */
function servicePorts(o: KubeObject): string {
  return list(at(o, 'spec', 'ports'))
    .map((p) => {
      const port = num(at(p, 'port'));
      const protocol = str(at(p, 'protocol')) || 'TCP';
      const nodePort = num(at(p, 'nodePort'));
      return nodePort > 0 ? `${port}:${nodePort}/${protocol}` : `${port}/${protocol}`;
    })
    .join(',');
}

export const servicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'type determines how the Service is exposed.'),
    column(
      'Cluster-IP',
      'string',
      'clusterIP is the IP address of the service and is usually assigned randomly.',
    ),
    column(
      'External-IP',
      'string',
      'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
    ),
    column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    column(
      'Selector',
      'string',
      'Route service traffic to pods with label keys and values matching this selector.',
      1,
    ),
  ],
  print(o, now) {
    const type = str(at(o, 'spec', 'type')) || 'ClusterIP';
    const clusterIP =
      str(list(at(o, 'spec', 'clusterIPs'))[0]) || str(at(o, 'spec', 'clusterIP')) || '<none>';
    return {
      cells: [
        name(o),
        type,
        clusterIP,
        serviceExternalIP(o, type),
        servicePorts(o) || '<none>',
        age(o, now),
        formatLabels(strMap(at(o, 'spec', 'selector'))),
      ],
    };
  },
};
