import assert from 'node:assert/strict';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  validateObjectMeta,
  type ObjectMetaRules,
} from '../../../../apiserver/validation/names.js';
import type { StatusCause } from '../../../../api/kubernetes.js';

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('validation/names string rules', () => {
  const cases: [string, (s: string) => string[], string, string[]][] = [
    ['subdomain', isDNS1123Subdomain, 'example.com', []],
    ['subdomain', isDNS1123Subdomain, 'a', []],
    ['subdomain', isDNS1123Subdomain, 'Bad_Name', [SUBDOMAIN]],
    ['subdomain', isDNS1123Subdomain, '', [SUBDOMAIN]],
    ['subdomain', isDNS1123Subdomain, '-a', [SUBDOMAIN]],
    ['subdomain', isDNS1123Subdomain, 'a'.repeat(253), []],
    ['subdomain', isDNS1123Subdomain, 'a'.repeat(254), ['must be no more than 253 characters']],
    ['label', isDNS1123Label, 'my-name', []],
    ['label', isDNS1123Label, 'a.b', ['must not contain dots']],
    ['label', isDNS1123Label, 'A', [LABEL]],
    ['label', isDNS1123Label, 'a'.repeat(64), ['must be no more than 63 characters']],
    ['pathSegment', isValidPathSegmentName, 'system:controller:x', []],
    ['pathSegment', isValidPathSegmentName, '.', ["may not be '.'"]],
    ['pathSegment', isValidPathSegmentName, '..', ["may not be '..'"]],
    ['pathSegment', isValidPathSegmentName, 'a/b%c', ["may not contain '/'", "may not contain '%'"]],
    ['qualified', isQualifiedName, 'app', []],
    ['qualified', isQualifiedName, 'example.com/App_1', []],
    ['qualified', isQualifiedName, 'a_', [NAME_PART]],
    ['qualified', isQualifiedName, '', ['name part must be non-empty', NAME_PART]],
    ['qualified', isQualifiedName, '/a', ['prefix part must be non-empty']],
    ['qualified', isQualifiedName, 'Bad/a', [`prefix part ${SUBDOMAIN}`]],
    ['qualified', isQualifiedName, 'a'.repeat(64), ['name part must be no more than 63 characters']],
    ['labelValue', isValidLabelValue, '', []],
    ['labelValue', isValidLabelValue, 'my_value', []],
    ['labelValue', isValidLabelValue, 'a b', [LABEL_VALUE]],
    ['labelValue', isValidLabelValue, 'a'.repeat(64), ['must be no more than 63 characters']],
  ];
  for (const [rule, fn, input, want] of cases) {
    it(`${rule} ${JSON.stringify(input.length > 20 ? `${input.slice(0, 5)}…(${input.length})` : input)}`, () =>
      assert.deepEqual(fn(input), want));
  }
});

const namespaced: ObjectMetaRules = { namespaced: true, nameRule: 'subdomain' };
const cluster: ObjectMetaRules = { namespaced: false, nameRule: 'subdomain' };

describe('validation/names validateObjectMeta', () => {
  const cases: [string, unknown, ObjectMetaRules, StatusCause[]][] = [
    ['valid namespaced', { name: 'web', namespace: 'default', labels: { app: 'web' } }, namespaced, []],
    ['valid cluster-scoped', { name: 'web' }, cluster, []],
    [
      'missing name',
      { namespace: 'default' },
      namespaced,
      [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ],
    ],
    ['generateName alone is enough', { generateName: 'web-', namespace: 'default' }, namespaced, []],
    [
      'metadata not an object',
      undefined,
      cluster,
      [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ],
    ],
    [
      'bad name',
      { name: 'Bad_Name', namespace: 'default' },
      namespaced,
      [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.name',
          message: `Invalid value: "Bad_Name": ${SUBDOMAIN}`,
        },
      ],
    ],
    [
      'bad generateName',
      { generateName: 'Bad-', namespace: 'default' },
      namespaced,
      [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.generateName',
          message: `Invalid value: "Bad-": ${SUBDOMAIN}`,
        },
      ],
    ],
    [
      'label name rule',
      { name: 'a.b' },
      { namespaced: false, nameRule: 'label' },
      [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.name',
          message: 'Invalid value: "a.b": must not contain dots',
        },
      ],
    ],
    ['pathSegment name rule', { name: 'system:admin' }, { namespaced: false, nameRule: 'pathSegment' }, []],
    [
      'missing namespace',
      { name: 'a' },
      namespaced,
      [{ reason: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' }],
    ],
    [
      'bad namespace',
      { name: 'a', namespace: 'Bad' },
      namespaced,
      [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.namespace',
          message: `Invalid value: "Bad": ${LABEL}`,
        },
      ],
    ],
    [
      'namespace on cluster-scoped',
      { name: 'a', namespace: 'x' },
      cluster,
      [
        {
          reason: 'FieldValueForbidden',
          field: 'metadata.namespace',
          message: 'Forbidden: not allowed on this type',
        },
      ],
    ],
    [
      'labels',
      { name: 'a', labels: { 'bad key!': 'ok', good: 'bad value' } },
      cluster,
      [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.labels',
          message: `Invalid value: "bad key!": ${NAME_PART}`,
        },
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.labels',
          message: `Invalid value: "bad value": ${LABEL_VALUE}`,
        },
      ],
    ],
    [
      'labels of the wrong type',
      { name: 'a', labels: { a: 1 } },
      cluster,
      [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.labels',
          message: 'Invalid value: {"a":1}: must be a map of string keys to string values',
        },
      ],
    ],
    ['annotation keys ignore case', { name: 'a', annotations: { 'Example.COM/Key': 'v' } }, cluster, []],
    [
      'bad annotation key',
      { name: 'a', annotations: { 'a b': '' } },
      cluster,
      [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.annotations',
          message: `Invalid value: "a b": ${NAME_PART}`,
        },
      ],
    ],
    [
      'annotations too large',
      { name: 'a', annotations: { a: 'x'.repeat(256 * 1024) } },
      cluster,
      [
        {
          reason: 'FieldValueTooLong',
          field: 'metadata.annotations',
          message: 'Too long: may not be more than 262144 bytes',
        },
      ],
    ],
    ['annotations at the limit', { name: 'a', annotations: { a: 'x'.repeat(256 * 1024 - 1) } }, cluster, []],
    [
      'finalizers',
      { name: 'a', finalizers: ['example.com/cleanup', 'bad finalizer'] },
      cluster,
      [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.finalizers',
          message: `Invalid value: "bad finalizer": ${NAME_PART}`,
        },
      ],
    ],
    [
      'orphan and foreground',
      { name: 'a', finalizers: ['orphan', 'foregroundDeletion'] },
      cluster,
      [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.finalizers',
          message:
            'Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
        },
      ],
    ],
    [
      'negative generation',
      { name: 'a', generation: -1 },
      cluster,
      [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.generation',
          message: 'Invalid value: -1: must be greater than or equal to 0',
        },
      ],
    ],
    [
      'owner references',
      { name: 'a', ownerReferences: [{ apiVersion: 'apps/', kind: '', name: 'x', uid: '' }] },
      cluster,
      [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.ownerReferences.apiVersion',
          message: 'Invalid value: "apps/": version must not be empty',
        },
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.ownerReferences.kind',
          message: 'Invalid value: "": must not be empty',
        },
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.ownerReferences.uid',
          message: 'Invalid value: "": must not be empty',
        },
      ],
    ],
  ];
  for (const [title, meta, rules, want] of cases) {
    it(title, () => assert.deepEqual(validateObjectMeta(meta, rules), want));
  }

  it('only one controller owner', () => {
    const ref = (name: string) => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name,
      uid: name,
      controller: true,
    });
    const causes = validateObjectMeta({ name: 'a', ownerReferences: [ref('x'), ref('y')] }, cluster);
    assert.equal(causes.length, 1);
    assert.equal(causes[0].field, 'metadata.ownerReferences');
    assert.match(
      causes[0].message,
      /Only one reference can have Controller set to true\. Found "true" in references for ReplicaSet\/x and ReplicaSet\/y$/,
    );
  });
});
