import assert from 'node:assert/strict';
import { parseLabels, validateJoinArgs, type RawJoinArgs } from '../../../../agent/join/args.js';

const HASH = `sha256:${'AB'.repeat(32)}`;
const ok: RawJoinArgs = {
  hub: 'https://hub.example.com:6443/',
  token: 'abcdef.0123456789abcdef',
  discoveryTokenCaCertHash: HASH,
  name: 'edge-1',
  dataDir: '/var/lib/edgefed',
};

describe('agent: join argument validation', () => {
  it('accepts and normalizes valid arguments', () => {
    const a = validateJoinArgs({ ...ok, labels: 'region=eu, edge=true', wait: '2m' });
    assert.equal(a.hub, 'https://hub.example.com:6443');
    assert.equal(a.caHash, `sha256:${'ab'.repeat(32)}`);
    assert.deepEqual(a.labels, { region: 'eu', edge: 'true' });
    assert.equal(a.waitMs, 120_000);
  });
  it('defaults --wait to 10 minutes', () => assert.equal(validateJoinArgs(ok).waitMs, 600_000));

  const bad: [string, Partial<RawJoinArgs>, RegExp][] = [
    ['missing flags are named', { token: undefined, name: undefined }, /missing --token, --name/],
    ['http hub', { hub: 'http://hub:6443' }, /--hub: must be an https/],
    ['not a URL', { hub: 'hub:6443:x' }, /--hub/],
    ['hub with a path', { hub: 'https://hub:6443/api' }, /only https:\/\/HOST:PORT/],
    ['token format', { token: 'abc.def' }, /--token/],
    ['upper-case token', { token: 'ABCDEF.0123456789abcdef' }, /--token/],
    ['hash without prefix', { discoveryTokenCaCertHash: 'ab'.repeat(32) }, /sha256:<64 hex/],
    ['short hash', { discoveryTokenCaCertHash: 'sha256:abcd' }, /sha256:<64 hex/],
    ['upper-case name', { name: 'Edge' }, /--name/],
    ['too long name', { name: 'a'.repeat(48) }, /at most 47/],
    ['bad label', { labels: 'a b=c' }, /valid label key/],
    ['label without =', { labels: 'region' }, /not key=value/],
    ['bad label value', { labels: 'a=b c' }, /valid label value/],
    ['duplicate label', { labels: 'a=1,a=2' }, /given twice/],
    ['bad wait', { wait: 'soon' }, /--wait/],
  ];
  for (const [name, patch, re] of bad) {
    it(`rejects: ${name}`, () => assert.throws(() => validateJoinArgs({ ...ok, ...patch }), re));
  }

  it('parseLabels accepts prefixed keys and empty values', () => {
    assert.deepEqual(parseLabels('topology.kubernetes.io/zone=z1,empty='), {
      'topology.kubernetes.io/zone': 'z1',
      empty: '',
    });
    assert.deepEqual(parseLabels(undefined), {});
  });
});
