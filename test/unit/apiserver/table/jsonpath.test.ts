import assert from 'node:assert/strict';
import { evaluateJsonPath, JsonPathError, validateJsonPath } from '../../../../apiserver/table/jsonpath.js';

const pod = {
  metadata: {
    name: 'web-0',
    labels: { app: 'web', 'app.kubernetes.io/name': 'web' },
    annotations: { 'x.y': 'dotted' },
    nothing: null,
  },
  spec: {
    replicas: 3,
    containers: [
      { name: 'app', image: 'nginx:1', ports: [{ containerPort: 80 }, { containerPort: 443 }] },
      { name: 'sidecar', image: 'envoy:1', ports: [] },
    ],
  },
  status: {
    conditions: [
      { type: 'Ready', status: 'True', priority: 2 },
      { type: 'Scheduled', status: 'False', priority: 1 },
      { type: 'Other' },
    ],
  },
};

describe('table/jsonpath evaluateJsonPath', () => {
  const cases: [string, unknown[]][] = [
    ['.metadata.name', ['web-0']],
    ['{.metadata.name}', ['web-0']],
    ['$.metadata.name', ['web-0']],
    ['.spec.replicas', [3]],
    ['.metadata.missing', []],
    ['.metadata.missing.deeper', []],
    ['.metadata.nothing', [null]],
    ['.spec.containers[0].name', ['app']],
    ['.spec.containers[-1].name', ['sidecar']],
    ['.spec.containers[*].name', ['app', 'sidecar']],
    ['.spec.containers[*].ports[*].containerPort', [80, 443]],
    ['.spec.containers[0:1].image', ['nginx:1']],
    ['.spec.containers[0,1].name', ['app', 'sidecar']],
    ['.spec.containers.name', []],
    ['.spec.containers[5].name', []],
    ["['metadata']['name']", ['web-0']],
    [".metadata.annotations['x.y']", ['dotted']],
    ['.metadata.labels.app\\.kubernetes\\.io/name', ['web']],
    [".metadata.labels['app','missing']", ['web']],
    ['.metadata.labels.*', ['web', 'web']],
    ['..image', ['nginx:1', 'envoy:1']],
    ['.status.conditions[?(@.type=="Ready")].status', ['True']],
    [".status.conditions[?(@.type == 'Scheduled')].status", ['False']],
    ['.status.conditions[?(@.type!="Ready")].type', ['Scheduled', 'Other']],
    ['.status.conditions[?(@.priority>1)].type', ['Ready']],
    ['.status.conditions[?(@.priority<2)].type', ['Scheduled']],
    ['.status.conditions[?(@.priority>=1)].type', ['Ready', 'Scheduled']],
    ['.status.conditions[?(@.status)].type', ['Ready', 'Scheduled']],
    ['.status.conditions[?(@.type=="Nope")].status', []],
    // client-go fails comparing a string with a number, which a printer column shows as empty.
    ['.status.conditions[?(@.type>1)].type', []],
    ['.', [pod]],
  ];
  for (const [path, want] of cases) {
    it(path, () => assert.deepEqual(evaluateJsonPath(pod, path), want));
  }

  it('treats non-objects as having no fields', () => {
    assert.deepEqual(evaluateJsonPath('text', '.a'), []);
    assert.deepEqual(evaluateJsonPath(null, '.a[0]'), []);
  });
});

describe('table/jsonpath invalid paths', () => {
  const bad = [
    '',
    '{}',
    'metadata.name',
    '.a[',
    '.a[x]',
    '.a[?(@.b=="c"]',
    '.a[?(@.b=="c")',
    '.a....b',
    '{.a}{.b}',
    '{.a',
    '.a b',
  ];
  for (const path of bad) {
    it(JSON.stringify(path), () => {
      assert.throws(() => evaluateJsonPath({}, path), JsonPathError);
      assert.throws(
        () => validateJsonPath(path),
        (e: unknown) => e instanceof Error && e.message.length > 0,
      );
    });
  }
});
