import assert from 'node:assert/strict';
import {
  defaultPullPolicy,
  effectivePullPolicy,
  imageTag,
  isValidImageReference,
  pullDecision,
  type PullPolicy,
} from '../../../../../agent/edge/node/image-policy.js';

describe('edge node: image pull policy', () => {
  const defaults: [string, string, PullPolicy][] = [
    ['busybox', '', 'Always'],
    ['busybox:latest', 'latest', 'Always'],
    ['busybox:1.36', '1.36', 'IfNotPresent'],
    ['localhost:5000/busybox', '', 'Always'],
    ['localhost:5000/busybox:edge', 'edge', 'IfNotPresent'],
    ['localhost/busybox:edge', 'edge', 'IfNotPresent'],
    [`busybox@sha256:${'a'.repeat(64)}`, '', 'IfNotPresent'],
    ['registry.example.com:443/team/app:v2', 'v2', 'IfNotPresent'],
  ];
  for (const [image, tag, policy] of defaults)
    it(`${image}: tag ${JSON.stringify(tag)}, default ${policy}`, () => {
      assert.equal(imageTag(image), tag);
      assert.equal(defaultPullPolicy(image), policy);
    });

  it('an explicit policy wins over the default', () => {
    assert.equal(effectivePullPolicy('busybox', 'Never'), 'Never');
    assert.equal(effectivePullPolicy('busybox:1', 'Always'), 'Always');
    assert.equal(effectivePullPolicy('busybox:1', undefined), 'IfNotPresent');
    assert.equal(effectivePullPolicy('busybox', 'bogus'), 'Always');
  });

  const decisions: [PullPolicy, boolean, string][] = [
    ['Always', true, 'pull'],
    ['Always', false, 'pull'],
    ['IfNotPresent', true, 'use'],
    ['IfNotPresent', false, 'pull'],
    ['Never', true, 'use'],
    ['Never', false, 'fail'],
  ];
  for (const [policy, present, action] of decisions)
    it(`${policy}, present=${present} → ${action}`, () =>
      assert.equal(pullDecision('x:1', policy, present).action, action));

  it('Never without the image: ErrImageNeverPull with kube message', () => {
    assert.deepEqual(pullDecision('x:1', 'Never', false), {
      action: 'fail',
      reason: 'ErrImageNeverPull',
      message: 'Container image "x:1" is not present with pull policy of Never',
    });
  });

  for (const [image, ok] of [
    ['busybox', true],
    ['localhost/busybox:edge', true],
    ['docker.io/library/busybox:1.36', true],
    ['Busybox', false],
    ['busybox:', false],
    ['', false],
    ['bad image', false],
  ] as const)
    it(`reference ${JSON.stringify(image)} valid=${ok}`, () =>
      assert.equal(isValidImageReference(image), ok));
});
