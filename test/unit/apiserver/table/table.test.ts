import assert from 'node:assert/strict';
import type { ResourceInfo, ResourceVersion } from '../../../../apiserver/registry/resource-info.js';
import { builtinColumns, buildTable } from '../../../../apiserver/table/table.js';
import type { KubeObject, PrinterColumn } from '../../../../api/kubernetes.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const created = '2024-06-01T11:00:00Z'; // 60m before NOW

function version(name: string, printerColumns: PrinterColumn[] = []): ResourceVersion {
  return {
    name,
    served: true,
    storage: true,
    printerColumns,
    subresources: { status: false },
    selectableFields: [],
  };
}

function info(
  group: string,
  kind: string,
  builtin: boolean,
  versions: ResourceVersion[] = [version('v1')],
): ResourceInfo {
  return {
    group,
    resource: `${kind.toLowerCase()}s`,
    kind,
    listKind: `${kind}List`,
    singular: kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    categories: [],
    versions,
    storageVersion: versions[0].name,
    builtin,
    listType: () => undefined,
    verbs: [],
  };
}

const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: 'default',
  creationTimestamp: created,
  resourceVersion: '7',
  ...extra,
});

type Row = { cells: unknown[]; object?: Record<string, unknown>; conditions?: unknown[] };
type Col = { name: string; type: string; format: string; description: string; priority: number };
const rows = (t: Record<string, unknown>): Row[] => t.rows as Row[];
const cols = (t: Record<string, unknown>): Col[] => t.columnDefinitions as Col[];
const table = (i: ResourceInfo, objs: KubeObject[], v = 'v1') =>
  buildTable(i, v, objs, { includeObject: 'None', now: NOW });

describe('table/table envelope', () => {
  const cm: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('c', { managedFields: [] }),
    data: { a: '1' },
  };
  const cmInfo = info('', 'ConfigMap', true);

  it('is a meta.k8s.io/v1 Table with full column definitions', () => {
    const t = table(cmInfo, [cm]);
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(t.metadata, { resourceVersion: '7' });
    assert.deepEqual(cols(t)[0], {
      name: 'Name',
      type: 'string',
      format: 'name',
      description: cols(t)[0].description,
      priority: 0,
    });
    assert.match(cols(t)[0].description, /^Name must be unique within a namespace/);
  });

  const include: ['None' | 'Metadata' | 'Object', unknown][] = [
    ['None', undefined],
    ['Metadata', { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm.metadata }],
    ['Object', cm],
  ];
  for (const [mode, want] of include) {
    it(`includeObject=${mode}`, () => {
      const t = buildTable(cmInfo, 'v1', [cm], { includeObject: mode, now: NOW });
      const row = rows(t)[0];
      assert.deepEqual(row.object, want);
      assert.equal('object' in row, want !== undefined);
    });
  }

  it('uses list metadata, omitting empty fields', () => {
    const t = buildTable(cmInfo, 'v1', [cm, cm], {
      includeObject: 'None',
      now: NOW,
      listMeta: { resourceVersion: '42', continue: 'tok', remainingItemCount: 0 },
    });
    assert.deepEqual(t.metadata, { resourceVersion: '42', continue: 'tok', remainingItemCount: 0 });
    assert.equal(rows(t).length, 2);
    const empty = buildTable(cmInfo, 'v1', [], {
      includeObject: 'None',
      now: NOW,
      listMeta: { resourceVersion: '' },
    });
    assert.deepEqual(empty.metadata, {});
    assert.deepEqual(empty.rows, []);
  });

  it('omitHeaders sends no column definitions', () => {
    const t = buildTable(cmInfo, 'v1', [cm], { includeObject: 'None', now: NOW, omitHeaders: true });
    assert.deepEqual(t.columnDefinitions, []);
    assert.equal(rows(t)[0].cells.length, 3);
  });
});

describe('table/table custom resources', () => {
  const columns: PrinterColumn[] = [
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
    { name: 'Ratio', type: 'number', jsonPath: '.spec.ratio', priority: 1, description: 'How much' },
    { name: 'On', type: 'boolean', jsonPath: '.spec.on' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Size', type: 'string', jsonPath: '.spec.replicas' },
    { name: 'Tags', type: 'string', jsonPath: '.spec.tags' },
    { name: 'Started', type: 'date', jsonPath: '.status.startTime', format: 'date-time' },
  ];
  const crInfo = info('x.io', 'Widget', false, [version('v1', columns), version('v2')]);
  const cr: KubeObject = {
    apiVersion: 'x.io/v1',
    kind: 'Widget',
    metadata: meta('w'),
    spec: { replicas: 3.7, ratio: 0.5, on: true, tags: { b: 2, a: '<x>' } },
    status: {
      phase: 'Up',
      startTime: '2024-06-01T11:58:00Z',
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };

  it('columns: Name then the printer columns', () => {
    assert.deepEqual(
      cols(table(crInfo, [cr])).map((c) => [c.name, c.type, c.format, c.priority]),
      [
        ['Name', 'string', 'name', 0],
        ['Replicas', 'integer', '', 0],
        ['Ratio', 'number', '', 1],
        ['On', 'boolean', '', 0],
        ['Phase', 'string', '', 0],
        ['Ready', 'string', '', 0],
        ['Size', 'string', '', 0],
        ['Tags', 'string', '', 0],
        ['Started', 'date', 'date-time', 0],
      ],
    );
    const c = cols(table(crInfo, [cr]));
    assert.equal(c[1].description, 'Custom resource definition column (in JSONPath format): .spec.replicas');
    assert.equal(c[2].description, 'How much');
  });

  it('cells as kube-apiserver types them (dates become ages)', () => {
    assert.deepEqual(rows(table(crInfo, [cr]))[0].cells, [
      'w',
      3,
      0.5,
      true,
      'Up',
      'True',
      '3.7',
      '{"a":"\\u003cx\\u003e","b":2}',
      '2m',
    ]);
  });

  it('missing or mistyped values are null', () => {
    const bare: KubeObject = {
      apiVersion: 'x.io/v1',
      kind: 'Widget',
      metadata: meta('w'),
      spec: { replicas: 'three', on: 'yes' },
      status: { startTime: 'soon' },
    };
    assert.deepEqual(rows(table(crInfo, [bare]))[0].cells, [
      'w',
      null,
      null,
      null,
      null,
      null,
      'three',
      null,
      '<invalid>',
    ]);
  });

  it('a version without printer columns gets Age (type date)', () => {
    const t = table(crInfo, [cr], 'v2');
    assert.deepEqual(
      cols(t).map((c) => [c.name, c.type]),
      [
        ['Name', 'string'],
        ['Age', 'date'],
      ],
    );
    assert.deepEqual(rows(t)[0].cells, ['w', '60m']);
  });
});

interface BuiltinCase {
  group: string;
  kind: string;
  obj: Record<string, unknown>;
  columns: string[];
  cells: unknown[];
}

const B: BuiltinCase[] = [
  {
    group: '',
    kind: 'Namespace',
    obj: { status: { phase: 'Active' } },
    columns: ['Name', 'Status', 'Age'],
    cells: ['x', 'Active', '60m'],
  },
  {
    group: '',
    kind: 'ConfigMap',
    obj: { data: { a: '1', b: '2' }, binaryData: { c: '' } },
    columns: ['Name', 'Data', 'Age'],
    cells: ['x', 3, '60m'],
  },
  {
    group: '',
    kind: 'Secret',
    obj: { type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } },
    columns: ['Name', 'Type', 'Data', 'Age'],
    cells: ['x', 'kubernetes.io/tls', 2, '60m'],
  },
  {
    group: '',
    kind: 'ServiceAccount',
    obj: { secrets: [{ name: 's' }] },
    columns: ['Name', 'Secrets', 'Age'],
    cells: ['x', 1, '60m'],
  },
  {
    group: '',
    kind: 'Event',
    obj: {
      type: 'Warning',
      reason: 'BackOff',
      message: ' Back-off restarting \n',
      involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: '2024-06-01T11:00:00Z',
      lastTimestamp: '2024-06-01T11:59:00Z',
      count: 4,
    },
    columns: [
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Subobject',
      'Source',
      'Message',
      'First Seen',
      'Count',
      'Name',
    ],
    cells: [
      '60s',
      'Warning',
      'BackOff',
      'pod/web',
      'spec.containers{app}',
      'kubelet, node-1',
      'Back-off restarting',
      '60m',
      4,
      'x',
    ],
  },
  {
    group: '',
    kind: 'Event',
    obj: {
      eventTime: '2024-06-01T11:59:50.000000Z',
      reportingComponent: 'ctrl',
      involvedObject: { kind: 'Node' },
    },
    columns: [
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Subobject',
      'Source',
      'Message',
      'First Seen',
      'Count',
      'Name',
    ],
    cells: ['10s', '', '', 'node', '', 'ctrl', '', '10s', 1, 'x'],
  },
  {
    group: 'coordination.k8s.io',
    kind: 'Lease',
    obj: { spec: { holderIdentity: 'me' } },
    columns: ['Name', 'Holder', 'Age'],
    cells: ['x', 'me', '60m'],
  },
  {
    group: 'apiextensions.k8s.io',
    kind: 'CustomResourceDefinition',
    obj: {},
    columns: ['Name', 'Created At'],
    cells: ['x', '2024-06-01T11:00:00Z'],
  },
  {
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    obj: {},
    columns: ['Name', 'Created At'],
    cells: ['x', '2024-06-01T11:00:00Z'],
  },
  {
    group: 'rbac.authorization.k8s.io',
    kind: 'RoleBinding',
    obj: {
      roleRef: { kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', namespace: 'ns', name: 'bot' },
        { kind: 'User', name: 'bob' },
      ],
    },
    columns: ['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts'],
    cells: ['x', 'ClusterRole/view', '60m', 'alice, bob', 'devs', 'ns/bot'],
  },
  {
    group: 'example.io',
    kind: 'Unknown',
    obj: {},
    columns: ['Name', 'Created At'],
    cells: ['x', '2024-06-01T11:00:00Z'],
  },
  {
    group: 'apps',
    kind: 'Deployment',
    obj: {
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          spec: {
            containers: [
              { name: 'a', image: 'i1' },
              { name: 'b', image: 'i2' },
            ],
          },
        },
      },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    },
    columns: ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector'],
    cells: ['x', '2/3', 3, 2, '60m', 'a,b', 'i1,i2', 'app=web'],
  },
  {
    group: 'apps',
    kind: 'ReplicaSet',
    obj: {
      spec: { replicas: 2, template: { spec: { containers: [] } } },
      status: { replicas: 2, readyReplicas: 1 },
    },
    columns: ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector'],
    cells: ['x', 2, 2, 1, '60m', '', '', '<none>'],
  },
  {
    group: 'apps',
    kind: 'StatefulSet',
    obj: { spec: { replicas: 2 }, status: { readyReplicas: 2 } },
    columns: ['Name', 'Ready', 'Age', 'Containers', 'Images'],
    cells: ['x', '2/2', '60m', '', ''],
  },
  {
    group: 'batch',
    kind: 'Job',
    obj: {
      spec: { completions: 3, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } } },
      status: {
        succeeded: 3,
        startTime: '2024-06-01T11:00:00Z',
        completionTime: '2024-06-01T11:01:30Z',
        conditions: [{ type: 'Complete', status: 'True' }],
      },
    },
    columns: ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector'],
    cells: ['x', 'Complete', '3/3', '90s', '60m', '', '', 'batch.kubernetes.io/controller-uid=u'],
  },
  {
    group: 'batch',
    kind: 'Job',
    obj: { spec: { parallelism: 2 }, status: { startTime: '2024-06-01T11:55:00Z' } },
    columns: ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector'],
    cells: ['x', 'Running', '0/1 of 2', '5m', '60m', '', '', '<none>'],
  },
  {
    group: 'batch',
    kind: 'CronJob',
    obj: {
      spec: { schedule: '*/5 * * * *', suspend: false },
      status: { active: [{}], lastScheduleTime: '2024-06-01T11:55:00Z' },
    },
    columns: [
      'Name',
      'Schedule',
      'Timezone',
      'Suspend',
      'Active',
      'Last Schedule',
      'Age',
      'Containers',
      'Images',
      'Selector',
    ],
    cells: ['x', '*/5 * * * *', '<none>', 'False', 1, '5m', '60m', '', '', '<none>'],
  },
  {
    group: '',
    kind: 'Service',
    obj: {
      spec: {
        type: 'NodePort',
        clusterIPs: ['10.0.0.10'],
        ports: [
          { port: 80, protocol: 'TCP' },
          { port: 443, nodePort: 30443, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
        selector: { app: 'web', tier: 'fe' },
      },
    },
    columns: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
    cells: ['x', 'NodePort', '10.0.0.10', '<none>', '80/TCP,443:30443/TCP,53/UDP', '60m', 'app=web,tier=fe'],
  },
  {
    group: '',
    kind: 'Service',
    obj: {
      spec: { type: 'LoadBalancer', clusterIP: '10.0.0.11', ports: [{ port: 80 }] },
      status: { loadBalancer: {} },
    },
    columns: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
    cells: ['x', 'LoadBalancer', '10.0.0.11', '<pending>', '80/TCP', '60m', '<none>'],
  },
  {
    group: '',
    kind: 'Service',
    obj: {
      spec: { type: 'LoadBalancer', clusterIP: 'None', externalIPs: ['5.5.5.5'] },
      status: { loadBalancer: { ingress: [{ ip: '9.9.9.9' }, { hostname: 'lb.example.com' }] } },
    },
    columns: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
    cells: ['x', 'LoadBalancer', 'None', '9.9.9.9,lb.example.com,5.5.5.5', '<none>', '60m', '<none>'],
  },
  {
    group: '',
    kind: 'Service',
    obj: { spec: { type: 'ExternalName', externalName: 'db.example.com' } },
    columns: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
    cells: ['x', 'ExternalName', '<none>', 'db.example.com', '<none>', '60m', '<none>'],
  },
  {
    group: 'networking.k8s.io',
    kind: 'Ingress',
    obj: {
      spec: {
        ingressClassName: 'nginx',
        rules: [{ host: 'a.io' }, { host: 'b.io' }, {}, { host: 'c.io' }, { host: 'd.io' }],
        tls: [{}],
      },
      status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
    },
    columns: ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'],
    cells: ['x', 'nginx', 'a.io,b.io,c.io + 2 more...', '1.2.3.4', '80, 443', '60m'],
  },
  {
    group: 'networking.k8s.io',
    kind: 'Ingress',
    obj: { spec: { rules: [{}] } },
    columns: ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'],
    cells: ['x', '<none>', '*', '', '80', '60m'],
  },
  {
    group: '',
    kind: 'Node',
    obj: {
      metadata: meta('x', {
        labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'edge' },
      }),
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Ubuntu' },
        addresses: [{ type: 'InternalIP', address: '192.168.1.2' }],
      },
    },
    columns: [
      'Name',
      'Status',
      'Roles',
      'Age',
      'Version',
      'Internal-IP',
      'External-IP',
      'OS-Image',
      'Kernel-Version',
      'Container-Runtime',
    ],
    cells: [
      'x',
      'Ready,SchedulingDisabled',
      'control-plane,edge',
      '60m',
      'v1.32.0',
      '192.168.1.2',
      '<none>',
      'Ubuntu',
      '<unknown>',
      '<unknown>',
    ],
  },
  {
    group: '',
    kind: 'Node',
    obj: { status: {} },
    columns: [
      'Name',
      'Status',
      'Roles',
      'Age',
      'Version',
      'Internal-IP',
      'External-IP',
      'OS-Image',
      'Kernel-Version',
      'Container-Runtime',
    ],
    cells: ['x', 'Unknown', '<none>', '60m', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
  },
];

describe('table/table built-in printers', () => {
  for (const c of B) {
    it(`${c.group || 'core'}/${c.kind} ${JSON.stringify(c.cells.slice(1, 3))}`, () => {
      const o = { apiVersion: 'v1', kind: c.kind, metadata: meta('x'), ...c.obj } as KubeObject;
      const t = table(info(c.group, c.kind, true), [o]);
      assert.deepEqual(
        cols(t).map((x) => x.name),
        c.columns,
      );
      assert.deepEqual(rows(t)[0].cells, c.cells);
      assert.deepEqual(
        builtinColumns(c.group, c.kind).map((x) => x.name),
        c.columns,
      );
    });
  }
  it('wide columns have priority 1', () => {
    const pri = (g: string, k: string) =>
      builtinColumns(g, k)
        .filter((x) => x.priority === 1)
        .map((x) => x.name);
    assert.deepEqual(pri('', 'Pod'), ['IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    assert.deepEqual(pri('apps', 'Deployment'), ['Containers', 'Images', 'Selector']);
    assert.deepEqual(pri('', 'Service'), ['Selector']);
    assert.deepEqual(builtinColumns('', 'Event').at(-1), {
      ...builtinColumns('', 'Event').at(-1),
      name: 'Name',
      format: 'name',
      priority: 1,
    });
    assert.equal(builtinColumns('', 'Namespace')[2].type, 'string');
  });
});

describe('table/table pods', () => {
  const podInfo = info('', 'Pod', true);
  const pod = (
    spec: Record<string, unknown>,
    status: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta('p', extra),
    spec,
    status,
  });
  const two = { containers: [{ name: 'a' }, { name: 'b' }] };
  const running = { running: { startedAt: created } };
  const cases: [string, KubeObject, unknown[]][] = [
    [
      'running, one restart',
      pod(
        { ...two, nodeName: 'n1' },
        {
          phase: 'Running',
          podIPs: [{ ip: '10.1.0.5' }],
          containerStatuses: [
            { name: 'a', ready: true, restartCount: 0, state: running },
            {
              name: 'b',
              ready: true,
              restartCount: 1,
              state: running,
              lastState: { terminated: { finishedAt: '2024-06-01T11:50:00Z' } },
            },
          ],
        },
      ),
      ['p', '2/2', 'Running', '1 (10m ago)', '60m', '10.1.0.5', 'n1', '<none>', '<none>'],
    ],
    [
      'pending',
      pod(two, { phase: 'Pending' }),
      ['p', '0/2', 'Pending', '0', '60m', '<none>', '<none>', '<none>', '<none>'],
    ],
    [
      'crash loop',
      pod(two, {
        phase: 'Running',
        containerStatuses: [
          { name: 'a', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } } },
          { name: 'b', ready: true, restartCount: 0, state: running },
        ],
      }),
      ['p', '1/2', 'CrashLoopBackOff', '5', '60m', '<none>', '<none>', '<none>', '<none>'],
    ],
    [
      'init container waiting',
      pod(
        { ...two, initContainers: [{ name: 'i1' }, { name: 'i2' }] },
        {
          phase: 'Pending',
          initContainerStatuses: [
            { name: 'i1', state: { terminated: { exitCode: 0 } } },
            { name: 'i2', state: { waiting: { reason: 'PodInitializing' } } },
          ],
        },
      ),
      ['p', '0/2', 'Init:1/2', '0', '60m', '<none>', '<none>', '<none>', '<none>'],
    ],
    [
      'init container failed',
      pod(
        { ...two, initContainers: [{ name: 'i1' }] },
        { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 2 } } }] },
      ),
      ['p', '0/2', 'Init:ExitCode:2', '0', '60m', '<none>', '<none>', '<none>', '<none>'],
    ],
    [
      'sidecar counts as a container',
      pod(
        { containers: [{ name: 'a' }], initContainers: [{ name: 's', restartPolicy: 'Always' }] },
        {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [{ name: 's', started: true, ready: true, restartCount: 2, state: running }],
          containerStatuses: [{ name: 'a', ready: true, restartCount: 0, state: running }],
        },
      ),
      ['p', '2/2', 'Running', '2', '60m', '<none>', '<none>', '<none>', '<none>'],
    ],
    [
      'completed',
      pod(two, {
        phase: 'Succeeded',
        containerStatuses: [
          { name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'b', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        ],
      }),
      ['p', '0/2', 'Completed', '0', '60m', '<none>', '<none>', '<none>', '<none>'],
    ],
    [
      'terminating',
      pod(two, { phase: 'Running' }, { deletionTimestamp: '2024-06-01T11:59:00Z' }),
      ['p', '0/2', 'Terminating', '0', '60m', '<none>', '<none>', '<none>', '<none>'],
    ],
    [
      'readiness gates and evicted reason',
      pod(
        { ...two, readinessGates: [{ conditionType: 'x/ok' }, { conditionType: 'x/other' }] },
        {
          phase: 'Failed',
          reason: 'Evicted',
          nominatedNodeName: 'n2',
          conditions: [{ type: 'x/ok', status: 'True' }],
        },
      ),
      ['p', '0/2', 'Evicted', '0', '60m', '<none>', '<none>', 'n2', '1/2'],
    ],
  ];
  for (const [title, p, cells] of cases) {
    it(title, () => assert.deepEqual(rows(table(podInfo, [p]))[0].cells, cells));
  }
  it('completed pods carry the Completed row condition', () => {
    assert.deepEqual(rows(table(podInfo, [cases[6][1]]))[0].conditions, [
      {
        type: 'Completed',
        status: 'True',
        reason: 'Succeeded',
        message: 'The pod has completed successfully.',
      },
    ]);
    assert.equal(rows(table(podInfo, [cases[0][1]]))[0].conditions, undefined);
  });
});
