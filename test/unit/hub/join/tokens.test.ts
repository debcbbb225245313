import assert from 'node:assert/strict';
import { BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_TYPE, TOKEN_PATTERN } from '../../../../api/protocol.js';
import {
  TOKEN_LABELS_KEY,
  checkTokenSecret,
  generateToken,
  tokenInfo,
  tokenSecret,
  tokenSecretName,
  type Secret,
} from '../../../../hub/join/tokens.js';

const dec = (s: string | undefined) => Buffer.from(String(s), 'base64').toString('utf8');

describe('bootstrap tokens', () => {
  it('generates kubeadm-format tokens from crypto randomness', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const t = generateToken();
      assert.match(t.token, TOKEN_PATTERN);
      assert.match(t.token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
      assert.equal(t.token, `${t.id}.${t.secret}`);
      seen.add(t.token);
    }
    assert.equal(seen.size, 200);
  });

  it('stores a token as a kubeadm bootstrap-token Secret (base64 data)', () => {
    const expires = new Date('2030-01-02T03:04:05.678Z');
    const s = tokenSecret('abcdef', '0123456789abcdef', {
      expires,
      labels: { region: 'eu', zone: 'eu-1' },
      description: 'for eu',
    });
    assert.equal(s.type, BOOTSTRAP_TOKEN_TYPE);
    assert.equal(s.metadata.name, 'bootstrap-token-abcdef');
    assert.equal(s.metadata.name, tokenSecretName('abcdef'));
    assert.equal(s.metadata.namespace, BOOTSTRAP_TOKEN_NAMESPACE);
    assert.equal(dec(s.data?.['token-id']), 'abcdef');
    assert.equal(dec(s.data?.['token-secret']), '0123456789abcdef');
    assert.equal(dec(s.data?.expiration), '2030-01-02T03:04:05Z');
    assert.equal(dec(s.data?.['usage-bootstrap-authentication']), 'true');
    assert.equal(dec(s.data?.description), 'for eu');
    assert.deepEqual(JSON.parse(dec(s.data?.[TOKEN_LABELS_KEY])), { region: 'eu', zone: 'eu-1' });
  });

  it('lists a token without its secret, and knows when it expired', () => {
    const s = tokenSecret('abcdef', '0123456789abcdef', { expires: new Date('2030-01-01T00:00:00Z') });
    const before = tokenInfo(s, new Date('2029-12-31T23:59:59Z'));
    assert.deepEqual(before, {
      id: 'abcdef',
      expires: '2030-01-01T00:00:00Z',
      expired: false,
      labels: {},
      description: '',
    });
    assert.equal(tokenInfo(s, new Date('2030-01-01T00:00:00Z'))?.expired, true);
    assert.ok(!JSON.stringify(before).includes('0123456789abcdef'));
    // Not a bootstrap token at all.
    assert.equal(tokenInfo({ ...s, type: 'Opaque' }), undefined);
    // Never expires.
    assert.equal(tokenInfo(tokenSecret('abcdef', '0123456789abcdef', {}))?.expired, false);
  });

  describe('validation', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const secret = tokenSecret('abcdef', '0123456789abcdef', {
      expires: new Date('2030-01-02T00:00:00Z'),
      labels: { region: 'eu' },
    });

    it('accepts the right token and answers its labels', () => {
      assert.deepEqual(checkTokenSecret('abcdef.0123456789abcdef', secret, now), {
        ok: true,
        id: 'abcdef',
        labels: { region: 'eu' },
      });
    });

    const refusals: [string, string, Secret | undefined, Date, string][] = [
      ['malformed: too short', 'abcdef.0123', secret, now, 'malformed'],
      ['malformed: upper case', 'ABCDEF.0123456789ABCDEF', secret, now, 'malformed'],
      ['malformed: no dot', 'abcdef0123456789abcdef', secret, now, 'malformed'],
      ['malformed: extra', 'abcdef.0123456789abcdef.x', secret, now, 'malformed'],
      ['unknown: no such Secret (deleted)', 'abcdef.0123456789abcdef', undefined, now, 'unknown'],
      ['unknown: wrong secret half', 'abcdef.0123456789abcdeX'.toLowerCase(), secret, now, 'unknown'],
      ['unknown: wrong secret, same length', 'abcdef.aaaaaaaaaaaaaaaa', secret, now, 'unknown'],
      [
        'unknown: Secret of another type',
        'abcdef.0123456789abcdef',
        { ...secret, type: 'Opaque' },
        now,
        'unknown',
      ],
      ['expired', 'abcdef.0123456789abcdef', secret, new Date('2030-01-02T00:00:00Z'), 'expired'],
      ['expired: long ago', 'abcdef.0123456789abcdef', secret, new Date('2031-01-01T00:00:00Z'), 'expired'],
    ];
    for (const [what, token, s, at, reason] of refusals) {
      it(`refuses: ${what}`, () => {
        const r = checkTokenSecret(token, s, at);
        assert.equal(r.ok, false);
        if (!r.ok) {
          assert.equal(r.reason, reason);
          assert.ok(r.message.length > 0);
        }
      });
    }

    it('gives the messages the join endpoint returns', () => {
      const m = (token: string, s: Secret | undefined, at = now) => {
        const r = checkTokenSecret(token, s, at);
        return r.ok ? '' : r.message;
      };
      assert.equal(
        m('abcdef.0123456789abcdef', secret, new Date('2031-01-01T00:00:00Z')),
        'bootstrap token expired',
      );
      assert.equal(m('abcdef.0123456789abcdef', undefined), 'bootstrap token not found (deleted?)');
      assert.match(m('nope', secret), /^malformed token/);
    });

    it('refuses a token whose Secret does not allow authentication', () => {
      const s: Secret = {
        ...secret,
        data: { ...secret.data, 'usage-bootstrap-authentication': Buffer.from('false').toString('base64') },
      };
      const r = checkTokenSecret('abcdef.0123456789abcdef', s, now);
      assert.equal(r.ok ? '' : r.reason, 'unusable');
    });

    it('treats an unparsable expiration as expired', () => {
      const s: Secret = {
        ...secret,
        data: { ...secret.data, expiration: Buffer.from('soon').toString('base64') },
      };
      const r = checkTokenSecret('abcdef.0123456789abcdef', s, now);
      assert.equal(r.ok ? '' : r.reason, 'expired');
    });
  });
});
