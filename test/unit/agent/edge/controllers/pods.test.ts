import assert from 'node:assert/strict';
import { generateName, podFromTemplate } from '../../../../../agent/edge/controllers/pods.js';
import { deepFreeze } from './fixtures.js';

describe('generateName', () => {
  it('appends 5 characters of the safe alphabet', () => {
    assert.match(generateName('web-abc-'), /^web-abc-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(
      generateName('x-', () => 0),
      'x-bbbbb',
    );
  });
  it('cuts a long prefix so the name stays within 63 characters', () => {
    assert.equal(generateName(`${'a'.repeat(100)}-`).length, 63);
  });
});

describe('podFromTemplate', () => {
  const template = deepFreeze({
    metadata: { labels: { app: 'a' }, annotations: { note: 'x' }, finalizers: ['f1'], name: 'ignored' },
    spec: { nodeName: 'elsewhere', containers: [{ name: 'c', image: 'img' }] },
  });
  const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true };
  it('takes labels, annotations, finalizers and spec from the template; binds to the node', () => {
    const p = podFromTemplate(template, {
      name: 'rs-abcde',
      namespace: 'ns',
      controllerRef: ref,
      nodeName: 'node-1',
      labels: { extra: 'y' },
      finalizers: ['f2'],
    });
    assert.deepEqual(p, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'rs-abcde',
        namespace: 'ns',
        ownerReferences: [ref],
        labels: { app: 'a', extra: 'y' },
        annotations: { note: 'x' },
        finalizers: ['f1', 'f2'],
      },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'img' }] },
    });
  });
  it('omits empty metadata maps', () => {
    const p = podFromTemplate(
      { spec: { containers: [] } },
      { name: 'p', namespace: 'ns', controllerRef: ref, nodeName: 'n' },
    );
    assert.deepEqual(Object.keys(p.metadata).sort(), ['name', 'namespace', 'ownerReferences']);
  });
});
