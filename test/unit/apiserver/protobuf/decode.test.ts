import assert from 'node:assert/strict';
import { ApiError } from '../../../../apiserver/errors.js';
import {
  decodeKubeProtobuf,
  formatGoDuration,
  isKubeProtobufContentType,
  kubeProtoRoot,
  messageNameFor,
  supportedKinds,
} from '../../../../apiserver/protobuf/index.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Encodes a proto-shaped object as kubectl would send it: "k8s\0" + runtime.Unknown{typeMeta, raw}. */
function encode(apiVersion: string, kind: string, object: Record<string, unknown>): Buffer {
  const root = kubeProtoRoot();
  const name = messageNameFor(apiVersion, kind);
  assert.ok(name, `no message for ${apiVersion}/${kind}`);
  const type = root.lookupType(name);
  const problem = type.verify(object);
  assert.equal(problem, null, `fixture does not match ${name}: ${problem}`);
  const raw = type.encode(type.fromObject(object)).finish();
  return wrap(apiVersion, kind, raw);
}

function wrap(
  apiVersion: string,
  kind: string,
  raw: Uint8Array,
  extra: Record<string, unknown> = {},
): Buffer {
  const unknown = kubeProtoRoot().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const body = unknown
    .encode(
      unknown.fromObject({
        typeMeta: { apiVersion, kind },
        raw,
        contentEncoding: '',
        contentType: '',
        ...extra,
      }),
    )
    .finish();
  return Buffer.concat([MAGIC, body]);
}

function expectBadRequest(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${String(e)}`);
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    assert.match(e.message, pattern);
    return true;
  });
}

/** ObjectMeta the way go-to-protobuf writes it: every non-pointer scalar present, zero Time as no bytes. */
function goMeta(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    name: '',
    generateName: '',
    namespace: '',
    selfLink: '',
    uid: '',
    resourceVersion: '',
    generation: 0,
    creationTimestamp: {},
    ...extra,
  };
}

describe('protobuf/decodeKubeProtobuf', () => {
  it('decodes the real kubectl 1.32 `create configmap` body (prefix captured on the wire)', () => {
    const captured = '6b3873000a0f0a0276311209436f6e6669674d617012230a190a02773112001a0764656661756c74';
    // The rest of ObjectMeta (selfLink, uid, resourceVersion "", generation 0, zero creationTimestamp),
    // data {a: b}, then Unknown's empty contentEncoding and contentType.
    const rest = '22002a00320038004200' + '12060a0161120162' + '1a002200';
    const decoded = decodeKubeProtobuf(Buffer.from(captured + rest, 'hex'));
    assert.equal(decoded.apiVersion, 'v1');
    assert.equal(decoded.kind, 'ConfigMap');
    assert.deepEqual(decoded.object, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'w1', namespace: 'default' },
      data: { a: 'b' },
    });
  });

  it('decodes a Namespace, dropping Go zero values and keeping empty structs', () => {
    const body = encode('v1', 'Namespace', {
      metadata: goMeta({ name: 'team-a', labels: { env: 'dev' }, annotations: {} }),
      spec: {},
      status: {},
    });
    assert.deepEqual(decodeKubeProtobuf(body).object, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { env: 'dev' } },
      spec: {},
      status: {},
    });
  });

  it('decodes a Secret: bytes as base64, stringData, type and a pointer false', () => {
    const body = encode('v1', 'Secret', {
      metadata: goMeta({ name: 's1', namespace: 'default' }),
      immutable: false,
      data: { 'tls.key': Buffer.from([0, 1, 2, 255]), token: Buffer.from('hunter2') },
      stringData: { extra: 'plain' },
      type: 'Opaque',
    });
    assert.deepEqual(decodeKubeProtobuf(body).object, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's1', namespace: 'default' },
      immutable: false,
      data: { 'tls.key': 'AAEC/w==', token: Buffer.from('hunter2').toString('base64') },
      stringData: { extra: 'plain' },
      type: 'Opaque',
    });
  });

  it('decodes a Deployment: containers, ports, quantities, intstr, inline fields, times, managedFields', () => {
    const body = encode('apps/v1', 'Deployment', {
      metadata: goMeta({
        name: 'web',
        namespace: 'default',
        labels: { app: 'web' },
        creationTimestamp: { seconds: 1700000000 },
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'u1', controller: true }],
        managedFields: [
          {
            manager: 'kubectl-create',
            operation: 'Update',
            apiVersion: 'apps/v1',
            time: { seconds: 1700000000 },
            fieldsType: 'FieldsV1',
            fieldsV1: { Raw: Buffer.from('{"f:spec":{"f:replicas":{}}}') },
            subresource: '',
          },
        ],
      }),
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: goMeta({ labels: { app: 'web' } }),
          spec: {
            volumes: [
              {
                name: 'cfg',
                volumeSource: { configMap: { localObjectReference: { name: 'cm' }, defaultMode: 420 } },
              },
            ],
            containers: [
              {
                name: 'nginx',
                image: 'nginx:1.27',
                workingDir: '',
                ports: [{ name: 'http', hostPort: 0, containerPort: 80, protocol: 'TCP', hostIP: '' }],
                env: [
                  { name: 'PLAIN', value: 'x' },
                  {
                    name: 'TOKEN',
                    value: '',
                    valueFrom: { secretKeyRef: { localObjectReference: { name: 's1' }, key: 'token' } },
                  },
                ],
                resources: {
                  limits: { cpu: { string: '500m' }, memory: { string: '128Mi' } },
                  requests: { cpu: { string: '100m' } },
                },
                readinessProbe: {
                  handler: {
                    httpGet: { path: '/healthz', port: { type: 1, strVal: 'http' }, scheme: 'HTTP' },
                  },
                  initialDelaySeconds: 0,
                  periodSeconds: 5,
                },
                livenessProbe: { handler: { tcpSocket: { port: { type: 0, intVal: 80 } } } },
                terminationMessagePath: '/dev/termination-log',
                imagePullPolicy: 'IfNotPresent',
                securityContext: { runAsUser: 0, allowPrivilegeEscalation: false, privileged: false },
                stdin: false,
                tty: false,
              },
            ],
            restartPolicy: 'Always',
            terminationGracePeriodSeconds: 30,
            dnsPolicy: 'ClusterFirst',
            hostNetwork: false,
          },
        },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: { type: 0, intVal: 1 }, maxUnavailable: { type: 1, strVal: '25%' } },
        },
        minReadySeconds: 0,
        paused: false,
      },
      status: {},
    });
    assert.deepEqual(decodeKubeProtobuf(body).object, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'default',
        labels: { app: 'web' },
        creationTimestamp: '2023-11-14T22:13:20Z',
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'u1', controller: true }],
        managedFields: [
          {
            manager: 'kubectl-create',
            operation: 'Update',
            apiVersion: 'apps/v1',
            time: '2023-11-14T22:13:20Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:spec': { 'f:replicas': {} } },
          },
        ],
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            volumes: [{ name: 'cfg', configMap: { name: 'cm', defaultMode: 420 } }],
            containers: [
              {
                name: 'nginx',
                image: 'nginx:1.27',
                ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
                env: [
                  { name: 'PLAIN', value: 'x' },
                  { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's1', key: 'token' } } },
                ],
                resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
                readinessProbe: {
                  httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' },
                  periodSeconds: 5,
                },
                livenessProbe: { tcpSocket: { port: 80 } },
                terminationMessagePath: '/dev/termination-log',
                imagePullPolicy: 'IfNotPresent',
                securityContext: { runAsUser: 0, allowPrivilegeEscalation: false, privileged: false },
              },
            ],
            restartPolicy: 'Always',
            terminationGracePeriodSeconds: 30,
            dnsPolicy: 'ClusterFirst',
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } },
      },
      status: {},
    });
  });

  it('decodes a CustomResourceDefinition with a nested, recursive schema', () => {
    const json = (v: unknown) => ({ raw: Buffer.from(JSON.stringify(v)) });
    const body = encode('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
      metadata: goMeta({ name: 'widgets.example.com' }),
      spec: {
        group: 'example.com',
        names: {
          plural: 'widgets',
          singular: 'widget',
          kind: 'Widget',
          listKind: 'WidgetList',
          shortNames: ['wg'],
        },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            deprecated: false,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                required: ['spec'],
                properties: {
                  spec: {
                    type: 'object',
                    required: ['replicas'],
                    properties: {
                      replicas: {
                        type: 'integer',
                        format: 'int32',
                        minimum: 0,
                        maximum: 10,
                        default: json(1),
                      },
                      mode: { type: 'string', enum: [json('fast'), json('slow')], pattern: '^[a-z]+$' },
                      tags: {
                        type: 'array',
                        maxItems: 0,
                        items: { schema: { type: 'string', minLength: 1 } },
                      },
                      port: {
                        xKubernetesIntOrString: true,
                        anyOf: [{ type: 'integer' }, { type: 'string' }],
                      },
                      labels: { type: 'object', additionalProperties: { schema: { type: 'string' } } },
                      closed: { type: 'object', additionalProperties: { allows: false } },
                      tuple: {
                        type: 'array',
                        items: { jSONSchemas: [{ type: 'string' }, { type: 'integer' }] },
                      },
                      template: {
                        type: 'object',
                        xKubernetesPreserveUnknownFields: true,
                        xKubernetesEmbeddedResource: true,
                      },
                      items: {
                        type: 'array',
                        xKubernetesListType: 'map',
                        xKubernetesListMapKeys: ['name'],
                        items: {
                          schema: {
                            type: 'object',
                            properties: { name: { type: 'string' }, nested: { type: 'object', ref: '#/x' } },
                            dependencies: { name: { property: ['nested'] } },
                          },
                        },
                      },
                    },
                    xKubernetesValidations: [{ rule: 'self.replicas <= 10', message: 'too many' }],
                    example: json({ replicas: 3 }),
                  },
                  status: { type: 'object', xKubernetesPreserveUnknownFields: true },
                },
              },
            },
            subresources: {
              status: {},
              scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.r' },
            },
            additionalPrinterColumns: [
              { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', priority: 0 },
            ],
          },
          { name: 'v1beta1', served: false, storage: false },
        ],
        conversion: { strategy: 'None' },
        preserveUnknownFields: false,
      },
      status: { acceptedNames: { plural: '', kind: '' }, storedVersions: [] },
    });
    assert.deepEqual(decodeKubeProtobuf(body).object, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: {
          plural: 'widgets',
          singular: 'widget',
          kind: 'Widget',
          listKind: 'WidgetList',
          shortNames: ['wg'],
        },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                required: ['spec'],
                properties: {
                  spec: {
                    type: 'object',
                    required: ['replicas'],
                    properties: {
                      replicas: { type: 'integer', format: 'int32', minimum: 0, maximum: 10, default: 1 },
                      mode: { type: 'string', enum: ['fast', 'slow'], pattern: '^[a-z]+$' },
                      tags: { type: 'array', maxItems: 0, items: { type: 'string', minLength: 1 } },
                      port: {
                        'x-kubernetes-int-or-string': true,
                        anyOf: [{ type: 'integer' }, { type: 'string' }],
                      },
                      labels: { type: 'object', additionalProperties: { type: 'string' } },
                      closed: { type: 'object', additionalProperties: false },
                      tuple: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }] },
                      template: {
                        type: 'object',
                        'x-kubernetes-preserve-unknown-fields': true,
                        'x-kubernetes-embedded-resource': true,
                      },
                      items: {
                        type: 'array',
                        'x-kubernetes-list-type': 'map',
                        'x-kubernetes-list-map-keys': ['name'],
                        items: {
                          type: 'object',
                          properties: { name: { type: 'string' }, nested: { type: 'object', $ref: '#/x' } },
                          dependencies: { name: ['nested'] },
                        },
                      },
                    },
                    'x-kubernetes-validations': [{ rule: 'self.replicas <= 10', message: 'too many' }],
                    example: { replicas: 3 },
                  },
                  status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            },
            subresources: {
              status: {},
              scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.r' },
            },
            additionalPrinterColumns: [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }],
          },
          { name: 'v1beta1', served: false, storage: false },
        ],
        conversion: { strategy: 'None' },
      },
      status: { acceptedNames: {} },
    });
  });

  it('handles deeply recursive JSONSchemaProps', () => {
    let schema: Record<string, unknown> = { type: 'string' };
    let expected: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 40; i++) {
      schema = { type: 'object', properties: { [`l${i}`]: schema } };
      expected = { type: 'object', properties: { [`l${i}`]: expected } };
    }
    const body = encode('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
      metadata: { name: 'deep.example.com' },
      spec: { versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] },
    });
    const spec = decodeKubeProtobuf(body).object.spec as {
      versions: { schema: { openAPIV3Schema: unknown } }[];
    };
    assert.deepEqual(spec.versions[0].schema.openAPIV3Schema, expected);
  });

  it('decodes DeleteOptions (meta.k8s.io/v1 and a group version) keeping gracePeriodSeconds: 0', () => {
    for (const apiVersion of ['meta.k8s.io/v1', 'v1', 'apps/v1']) {
      const body = encode(apiVersion, 'DeleteOptions', {
        gracePeriodSeconds: 0,
        preconditions: { uid: 'abc' },
        propagationPolicy: 'Foreground',
        dryRun: ['All'],
      });
      assert.deepEqual(decodeKubeProtobuf(body), {
        apiVersion,
        kind: 'DeleteOptions',
        object: {
          apiVersion,
          kind: 'DeleteOptions',
          gracePeriodSeconds: 0,
          preconditions: { uid: 'abc' },
          propagationPolicy: 'Foreground',
          dryRun: ['All'],
        },
      });
    }
  });

  it('decodes a Lease with MicroTime fields and an Event with eventTime', () => {
    const lease = encode('coordination.k8s.io/v1', 'Lease', {
      metadata: goMeta({ name: 'leader', namespace: 'kube-system' }),
      spec: {
        holderIdentity: 'node-a',
        leaseDurationSeconds: 15,
        renewTime: { seconds: 1700000000, nanos: 123456789 },
        acquireTime: { seconds: 1700000000, nanos: 0 },
        leaseTransitions: 0,
      },
    });
    assert.deepEqual(decodeKubeProtobuf(lease).object, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'leader', namespace: 'kube-system' },
      spec: {
        holderIdentity: 'node-a',
        leaseDurationSeconds: 15,
        renewTime: '2023-11-14T22:13:20.123456Z',
        acquireTime: '2023-11-14T22:13:20.000000Z',
        leaseTransitions: 0,
      },
    });
    const event = encode('v1', 'Event', {
      metadata: goMeta({ name: 'e1', namespace: 'default' }),
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default', uid: '', apiVersion: 'v1' },
      reason: 'Started',
      message: 'hi',
      source: { component: 'kubelet', host: '' },
      firstTimestamp: {},
      lastTimestamp: { seconds: 0, nanos: 0 },
      count: 1,
      type: 'Normal',
      eventTime: { seconds: 1700000000, nanos: 5000 },
      reportingComponent: '',
      reportingInstance: '',
    });
    assert.deepEqual(decodeKubeProtobuf(event).object, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default', apiVersion: 'v1' },
      reason: 'Started',
      message: 'hi',
      source: { component: 'kubelet' },
      lastTimestamp: '1970-01-01T00:00:00Z',
      count: 1,
      type: 'Normal',
      eventTime: '2023-11-14T22:13:20.000005Z',
    });
  });

  it('decodes an Ingress (inline ingressRuleValue), a Service (targetPort) and RBAC objects', () => {
    const ingress = encode('networking.k8s.io/v1', 'Ingress', {
      metadata: goMeta({ name: 'ing', namespace: 'default' }),
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host: 'example.com',
            ingressRuleValue: {
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'svc', port: { name: '', number: 80 } } },
                  },
                ],
              },
            },
          },
        ],
        tls: [{ hosts: ['example.com'], secretName: 'tls' }],
      },
      status: { loadBalancer: {} },
    });
    assert.deepEqual(decodeKubeProtobuf(ingress).object, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'ing', namespace: 'default' },
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host: 'example.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'svc', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
        tls: [{ hosts: ['example.com'], secretName: 'tls' }],
      },
      status: { loadBalancer: {} },
    });

    const service = encode('v1', 'Service', {
      metadata: goMeta({ name: 'svc', namespace: 'default', labels: { app: 'svc' } }),
      spec: {
        ports: [
          { name: '80-8080', protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 8080 }, nodePort: 0 },
        ],
        selector: { app: 'svc' },
        clusterIP: '',
        type: 'ClusterIP',
        sessionAffinity: '',
        externalName: '',
        publishNotReadyAddresses: false,
      },
      status: { loadBalancer: {} },
    });
    assert.deepEqual(decodeKubeProtobuf(service).object, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc', namespace: 'default', labels: { app: 'svc' } },
      spec: {
        ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
        selector: { app: 'svc' },
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    });

    const role = encode('rbac.authorization.k8s.io/v1', 'ClusterRole', {
      metadata: goMeta({ name: 'reader' }),
      rules: [
        {
          verbs: ['get', 'list'],
          apiGroups: [''],
          resources: ['pods'],
          resourceNames: [],
          nonResourceURLs: [],
        },
      ],
    });
    assert.deepEqual(decodeKubeProtobuf(role).object, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'reader' },
      rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }],
    });

    const binding = encode('rbac.authorization.k8s.io/v1', 'RoleBinding', {
      metadata: goMeta({ name: 'rb', namespace: 'ns' }),
      subjects: [{ kind: 'ServiceAccount', apiGroup: '', name: 'sa', namespace: 'ns' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
    });
    assert.deepEqual(decodeKubeProtobuf(binding).object, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb', namespace: 'ns' },
      subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
    });
  });

  it('decodes a Job and a CronJob keeping pointer zeros (backoffLimit: 0, suspend: false)', () => {
    const jobSpec = {
      backoffLimit: 0,
      suspend: false,
      completions: 1,
      template: {
        metadata: goMeta({}),
        spec: { containers: [{ name: 'c', image: 'busybox', command: ['date'] }], restartPolicy: 'Never' },
      },
    };
    const expectedSpec = {
      backoffLimit: 0,
      suspend: false,
      completions: 1,
      template: {
        metadata: {},
        spec: { containers: [{ name: 'c', image: 'busybox', command: ['date'] }], restartPolicy: 'Never' },
      },
    };
    const job = encode('batch/v1', 'Job', { metadata: goMeta({ name: 'j' }), spec: jobSpec, status: {} });
    assert.deepEqual(decodeKubeProtobuf(job).object, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: expectedSpec,
      status: {},
    });
    const cron = encode('batch/v1', 'CronJob', {
      metadata: goMeta({ name: 'cj' }),
      spec: {
        schedule: '*/5 * * * *',
        concurrencyPolicy: '',
        jobTemplate: { metadata: goMeta({}), spec: jobSpec },
      },
    });
    assert.deepEqual(decodeKubeProtobuf(cron).object, {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cj' },
      spec: { schedule: '*/5 * * * *', jobTemplate: { metadata: {}, spec: expectedSpec } },
    });
  });

  it('decodes every supported kind from a minimal body', () => {
    for (const { apiVersion, kind } of supportedKinds()) {
      const object = kind === 'DeleteOptions' ? { dryRun: ['All'] } : { metadata: { name: 'x' } };
      const decoded = decodeKubeProtobuf(encode(apiVersion, kind, object));
      assert.equal(decoded.kind, kind);
      assert.equal(decoded.object.apiVersion, apiVersion);
      assert.equal(decoded.object.kind, kind);
      if (kind !== 'DeleteOptions') assert.deepEqual(decoded.object.metadata, { name: 'x' });
    }
  });

  it('accepts a runtime.Unknown that wraps JSON', () => {
    const body = wrap('v1', 'ConfigMap', Buffer.from('{"metadata":{"name":"j"},"data":{"k":"v"}}'), {
      contentType: 'application/json',
    });
    assert.deepEqual(decodeKubeProtobuf(body).object, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'j' },
      data: { k: 'v' },
    });
  });

  it('rejects malformed bodies and unsupported kinds with 400 BadRequest', () => {
    expectBadRequest(() => decodeKubeProtobuf(Buffer.from('{"kind":"ConfigMap"}')), /k8s/);
    expectBadRequest(() => decodeKubeProtobuf(Buffer.alloc(0)), /k8s/);
    const good = encode('v1', 'ConfigMap', { metadata: { name: 'x' }, data: { a: 'b' } });
    expectBadRequest(() => decodeKubeProtobuf(good.subarray(0, good.length - 3)), /could not be decoded/);
    expectBadRequest(
      () => decodeKubeProtobuf(Buffer.concat([MAGIC, Buffer.from([0x0a, 0x05, 0x0a])])),
      /decoded/,
    );
    expectBadRequest(() => decodeKubeProtobuf(wrap('', '', new Uint8Array(0))), /apiVersion\/kind/);
    expectBadRequest(
      () => decodeKubeProtobuf(wrap('storage.k8s.io/v1', 'StorageClass', new Uint8Array(0))),
      /storage\.k8s\.io\/v1, Kind=StorageClass .* not supported/,
    );
    expectBadRequest(
      () => decodeKubeProtobuf(wrap('v1', 'ConfigMap', Buffer.from([0xff, 0xff, 0xff]))),
      /could not be decoded/,
    );
    expectBadRequest(
      () => decodeKubeProtobuf(wrap('v1', 'ConfigMap', new Uint8Array(0), { contentEncoding: 'gzip' })),
      /content encoding "gzip"/,
    );
    const badFields = encode('v1', 'ConfigMap', {
      metadata: { name: 'x', managedFields: [{ manager: 'm', fieldsV1: { Raw: Buffer.from('{not json') } }] },
    });
    expectBadRequest(() => decodeKubeProtobuf(badFields), /invalid JSON in FieldsV1/);
  });

  it('parses the .proto files once and caches the root', () => {
    assert.equal(kubeProtoRoot(), kubeProtoRoot());
  });
});

describe('protobuf helpers', () => {
  it('recognises the Kubernetes protobuf media type', () => {
    assert.equal(isKubeProtobufContentType('application/vnd.kubernetes.protobuf'), true);
    assert.equal(isKubeProtobufContentType('application/vnd.kubernetes.protobuf; charset=x'), true);
    assert.equal(isKubeProtobufContentType('application/json'), false);
    assert.equal(isKubeProtobufContentType(undefined), false);
  });

  it('formats durations like Go time.Duration.String()', () => {
    const cases: [bigint, string][] = [
      [0n, '0s'],
      [1n, '1ns'],
      [1500n, '1.5µs'],
      [2_000_000n, '2ms'],
      [1_500_000_000n, '1.5s'],
      [90_000_000_000n, '1m30s'],
      [3_600_000_000_000n, '1h0m0s'],
      [-5_000_000_000n, '-5s'],
    ];
    for (const [ns, want] of cases) assert.equal(formatGoDuration(ns), want, String(ns));
  });
});
