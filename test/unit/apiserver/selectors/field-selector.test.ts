import assert from 'node:assert/strict';
import { ApiError } from '../../../../apiserver/errors.js';
import {
  allowedFieldLabels,
  builtinSelectableFields,
  formatFieldSelector,
  matchesFields,
  objectFields,
  parseFieldSelector,
  requiredFieldValue,
  validateFieldSelector,
} from '../../../../apiserver/selectors/field-selector.js';
import type { KubeObject } from '../../../../api/kubernetes.js';

function badRequest(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 400);
    assert.equal(e.message, message);
    return true;
  });
}

describe('selectors/field-selector parse + format', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['metadata.name=a', 'metadata.name=a'],
    ['metadata.name==a', 'metadata.name=a'],
    ['metadata.name!=a', 'metadata.name!=a'],
    ['b=1,a=2', 'a=2,b=1'],
    ['a=1,,b=2', 'a=1,b=2'],
    ['a=', 'a='],
    ['a=x\\,y', 'a=x\\,y'],
    ['a=x\\=y\\\\z', 'a=x\\=y\\\\z'],
  ];
  for (const [input, want] of cases) {
    it(JSON.stringify(input), () => assert.equal(formatFieldSelector(parseFieldSelector(input)), want));
  }
  it('unescapes values', () => {
    assert.deepEqual(parseFieldSelector('a=x\\,y').requirements, [
      { field: 'a', operator: '=', value: 'x,y' },
    ]);
  });
  it('keeps whitespace like Kubernetes', () => {
    assert.deepEqual(parseFieldSelector('a = b').requirements, [{ field: 'a ', operator: '=', value: ' b' }]);
  });
  it('requiredFieldValue', () => {
    assert.equal(requiredFieldValue(parseFieldSelector('metadata.name=x,a!=b'), 'metadata.name'), 'x');
    assert.equal(requiredFieldValue(parseFieldSelector('metadata.name!=x'), 'metadata.name'), undefined);
  });
});

describe('selectors/field-selector parse errors', () => {
  const cases: [string, string][] = [
    ['abc', "invalid selector: 'abc'; can't understand 'abc'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a!==b', 'invalid field selector: unescaped character in value: 61'],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  for (const [input, message] of cases) {
    it(JSON.stringify(input), () => badRequest(() => parseFieldSelector(input), message));
  }
});

describe('selectors/field-selector matchesFields', () => {
  const fields = { 'metadata.name': 'a', 'status.phase': 'Running' };
  const cases: [string, boolean][] = [
    ['', true],
    ['metadata.name=a', true],
    ['metadata.name=b', false],
    ['metadata.name!=b', true],
    ['metadata.name=a,status.phase=Running', true],
    ['metadata.name=a,status.phase!=Running', false],
    ['spec.nodeName=', true],
    ['spec.nodeName!=', false],
  ];
  for (const [sel, want] of cases) {
    it(`${sel} → ${want}`, () => assert.equal(matchesFields(parseFieldSelector(sel), fields), want));
  }
});

describe('selectors/field-selector validateFieldSelector', () => {
  const allowed = ['metadata.name', 'metadata.namespace', 'spec.nodeName'];
  it('accepts supported labels', () =>
    validateFieldSelector(parseFieldSelector('spec.nodeName=n,metadata.name=x'), allowed));
  it('rejects others with Kubernetes wording', () =>
    badRequest(
      () => validateFieldSelector(parseFieldSelector('metadata.name=x,spec.foo=1'), allowed),
      'field label not supported: spec.foo',
    ));
});

describe('selectors/field-selector allowedFieldLabels', () => {
  const cases: [Parameters<typeof allowedFieldLabels>[0], string[], string[]][] = [
    [
      { group: '', kind: 'Pod', builtin: true, namespaced: true },
      ['.spec.nodeName'],
      ['metadata.name', 'metadata.namespace', 'spec.nodeName'],
    ],
    [
      { group: '', kind: 'Node', builtin: true, namespaced: false },
      ['spec.unschedulable'],
      ['metadata.name', 'spec.unschedulable'],
    ],
    [
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', builtin: true, namespaced: false },
      [],
      ['metadata.name', 'metadata.namespace'],
    ],
    [
      { group: 'x.io', kind: 'Thing', builtin: false, namespaced: false },
      ['.spec.color'],
      ['metadata.name', 'spec.color'],
    ],
    [
      { group: 'x.io', kind: 'Thing', builtin: false, namespaced: true },
      [],
      ['metadata.name', 'metadata.namespace'],
    ],
  ];
  for (const [r, sel, want] of cases) {
    it(`${r.group}/${r.kind}`, () => assert.deepEqual(allowedFieldLabels(r, sel), want));
  }
});

describe('selectors/field-selector builtinSelectableFields', () => {
  const cases: [string, string, string[]][] = [
    [
      '',
      'Pod',
      [
        'spec.nodeName',
        'spec.restartPolicy',
        'spec.schedulerName',
        'spec.serviceAccountName',
        'spec.hostNetwork',
        'status.phase',
        'status.podIP',
        'status.nominatedNodeName',
      ],
    ],
    ['', 'Secret', ['type']],
    ['', 'Namespace', ['status.phase']],
    ['', 'Node', ['spec.unschedulable']],
    ['batch', 'Job', ['status.successful']],
    ['apps', 'Deployment', []],
    ['x.io', 'Pod', []],
  ];
  for (const [group, kind, want] of cases) {
    it(`${group}/${kind}`, () => assert.deepEqual(builtinSelectableFields(group, kind), want));
  }
  it('Event fields', () => assert.equal(builtinSelectableFields('', 'Event').length, 11));
});

describe('selectors/field-selector objectFields', () => {
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns' },
    spec: { nodeName: 'n1', restartPolicy: 'Always' },
    status: { phase: 'Running', podIPs: [{ ip: '10.0.0.1' }], podIP: '10.0.0.9' },
  };
  it('pod fields with Go zero values', () => {
    assert.deepEqual(
      objectFields(
        pod,
        true,
        builtinSelectableFields('', 'Pod').map((f) => `.${f}`),
      ),
      {
        'metadata.name': 'p',
        'metadata.namespace': 'ns',
        'spec.nodeName': 'n1',
        'spec.restartPolicy': 'Always',
        'spec.hostNetwork': 'false',
        'status.phase': 'Running',
        'status.podIP': '10.0.0.1',
      },
    );
  });
  it('cluster-scoped objects have no metadata.namespace', () => {
    const node: KubeObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n' },
      spec: { unschedulable: true },
    };
    assert.deepEqual(objectFields(node, false, ['spec.unschedulable']), {
      'metadata.name': 'n',
      'spec.unschedulable': 'true',
    });
  });
  it('renamed and defaulted built-in fields', () => {
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', namespace: 'd' },
      status: { succeeded: 2 },
    };
    assert.equal(objectFields(job, true, ['.status.successful'])['status.successful'], '2');
    const ev: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e' },
      reportingComponent: 'kubelet',
      involvedObject: { kind: 'Pod' },
    };
    const f = objectFields(ev, true, ['source', 'reportingComponent', 'involvedObject.kind']);
    assert.equal(f.source, 'kubelet');
    assert.equal(f.reportingComponent, 'kubelet');
    assert.equal(f['involvedObject.kind'], 'Pod');
  });
  it('custom resource selectable fields: strings, booleans and integers', () => {
    const cr: KubeObject = {
      apiVersion: 'x.io/v1',
      kind: 'Thing',
      metadata: { name: 't' },
      spec: { color: 'red', size: 3, ratio: 0.5, on: false, nested: { a: 1 } },
    };
    assert.deepEqual(
      objectFields(cr, false, [
        '.spec.color',
        '.spec.size',
        '.spec.ratio',
        '.spec.on',
        '.spec.nested',
        '.spec.none',
      ]),
      {
        'metadata.name': 't',
        'spec.color': 'red',
        'spec.size': '3',
        'spec.on': 'false',
      },
    );
  });
});
