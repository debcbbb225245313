import assert from 'node:assert/strict';
import { parseServiceAccount, signInUrl } from '../../../../cli/commands/dashboard.js';

describe('edgefed dashboard arguments', () => {
  const accounts: [string, { namespace: string; name: string } | 'error'][] = [
    ['team-a/viewer', { namespace: 'team-a', name: 'viewer' }],
    ['kube-system/a.b-c', { namespace: 'kube-system', name: 'a.b-c' }],
    ['viewer', 'error'],
    ['a/b/c', 'error'],
    ['Team/viewer', 'error'],
    ['/viewer', 'error'],
    ['ns/', 'error'],
  ];
  for (const [input, want] of accounts)
    it(`--service-account ${input} → ${JSON.stringify(want)}`, () => {
      if (want === 'error') assert.throws(() => parseServiceAccount(input), /namespace/);
      else assert.deepEqual(parseServiceAccount(input), want);
    });

  it('the code goes in the fragment, never the path or query', () => {
    const u = new URL(signInUrl('https://127.0.0.1:6443/', 'a+b/c'));
    assert.equal(u.pathname, '/ui/');
    assert.equal(u.search, '');
    assert.equal(decodeURIComponent(u.hash.replace('#code=', '')), 'a+b/c');
  });
});
