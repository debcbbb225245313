import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkCache } from '../../../agent/cache.js';
import type { Work } from '../../../api/federation.js';

const work = (name: string, rv: string): Work => ({
  apiVersion: 'edgefed.io/v1alpha1',
  kind: 'Work',
  metadata: { name, namespace: 'edgefed-cluster-c1', resourceVersion: rv },
  spec: {
    cluster: 'c1',
    source: {
      group: 'types.kubefed.io',
      version: 'v1beta1',
      kind: 'FederatedConfigMap',
      resource: 'federatedconfigmaps',
      name,
      uid: 'u',
    },
    manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'n' } },
  },
});

describe('agent: Work cache (SQLite)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'agent-cache-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores, updates (keeping the applied hash), lists, deletes, and survives reopening', () => {
    const path = join(dir, 'cache.db');
    let c = new WorkCache(path);
    c.put(work('b', '1'));
    c.put(work('a', '2'));
    c.setApplied('a', 'h1');
    c.put(work('a', '3'));
    assert.deepEqual(c.names(), ['a', 'b']);
    assert.equal(c.get('a')?.resourceVersion, '3');
    assert.equal(c.get('a')?.appliedHash, 'h1');
    assert.equal(c.get('b')?.appliedHash, undefined);
    c.setMeta('k', 'v');
    c.close();
    c = new WorkCache(path);
    assert.equal(c.get('a')?.work.metadata.name, 'a');
    assert.equal(c.getMeta('k'), 'v');
    c.delete('a');
    assert.equal(c.get('a'), undefined);
    assert.equal(c.list().length, 1);
    c.close();
  });
});
