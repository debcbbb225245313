import assert from 'node:assert/strict';
import { ContainerCache } from '../../../../../agent/edge/node/container-cache.js';
import { LABELS, type ObservedContainer } from '../../../../../agent/edge/engine/engine.js';

const c = (id: string, uid: string, status: ObservedContainer['status'] = 'running'): ObservedContainer => ({
  id,
  name: id,
  image: 'x',
  labels: { [LABELS.podUid]: uid, [LABELS.container]: 'app', [LABELS.attempt]: '0' },
  status,
});

describe('edge node: container cache', () => {
  it('a list reports only the pods whose containers changed', () => {
    const cache = new ContainerCache();
    assert.deepEqual([...cache.replace([c('a', 'p1'), c('b', 'p2')], cache.mark())].sort(), ['p1', 'p2']);
    assert.deepEqual([...cache.replace([c('a', 'p1'), c('b', 'p2')], cache.mark())], []);
    assert.deepEqual([...cache.replace([c('a', 'p1', 'exited'), c('b', 'p2')], cache.mark())], ['p1']);
    assert.deepEqual([...cache.replace([c('a', 'p1', 'exited')], cache.mark())], ['p2']);
    assert.deepEqual(cache.forPod('p2'), []);
    assert.deepEqual(cache.podUids(), ['p1']);
  });

  it('a list taken before a create does not forget the new container', () => {
    const cache = new ContainerCache();
    const mark = cache.mark();
    cache.put(c('new', 'p1'));
    cache.replace([], mark);
    assert.equal(cache.forPod('p1').length, 1);
    // A later list that still lacks it does remove it.
    cache.replace([], cache.mark());
    assert.equal(cache.forPod('p1').length, 0);
  });

  it('a list taken before a remove does not bring the container back', () => {
    const cache = new ContainerCache();
    cache.replace([c('a', 'p1')], cache.mark());
    const mark = cache.mark();
    cache.remove('a');
    cache.replace([c('a', 'p1')], mark);
    assert.equal(cache.forPod('p1').length, 0);
    // Once a list newer than the removal is applied, the id is forgotten entirely.
    cache.replace([], cache.mark());
    cache.replace([c('a', 'p1')], cache.mark());
    assert.equal(cache.forPod('p1').length, 1);
  });

  it('a list taken before an update keeps the newer view', () => {
    const cache = new ContainerCache();
    cache.replace([c('a', 'p1')], cache.mark());
    const mark = cache.mark();
    assert.equal(cache.put(c('a', 'p1', 'exited')), true);
    cache.replace([c('a', 'p1', 'running')], mark);
    assert.equal(cache.get('a')?.status, 'exited');
    assert.equal(cache.put(c('a', 'p1', 'exited')), false, 'same facts: no change');
  });
});
