import assert from 'node:assert/strict';
import { discoveryPath, indexResources, splitApiVersion } from '../../../../agent/apply/discovery.js';

describe('agent: member discovery helpers', () => {
  it('splits apiVersion', () => {
    assert.deepEqual(splitApiVersion('v1'), { group: '', version: 'v1' });
    assert.deepEqual(splitApiVersion('apps/v1'), { group: 'apps', version: 'v1' });
  });
  it('discovery paths', () => {
    assert.equal(discoveryPath('', 'v1'), '/api/v1');
    assert.equal(discoveryPath('apps', 'v1'), '/apis/apps/v1');
  });
  it('indexes kinds, skipping subresources', () => {
    const idx = indexResources({
      resources: [
        { name: 'deployments/status', kind: 'Deployment', namespaced: true },
        { name: 'deployments', kind: 'Deployment', namespaced: true },
        { name: 'deployments/scale', kind: 'Scale', namespaced: true },
        { name: 'namespaces', kind: 'Namespace', namespaced: false },
      ],
    });
    assert.deepEqual(idx.get('Deployment'), { name: 'deployments', kind: 'Deployment', namespaced: true });
    assert.equal(idx.get('Namespace')?.namespaced, false);
    assert.equal(idx.has('Scale'), false);
  });
});
