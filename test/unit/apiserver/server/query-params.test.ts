import assert from 'node:assert/strict';
import { ApiError } from '../../../../apiserver/errors.js';
import {
  MAX_WATCH_TIMEOUT_SECONDS,
  normalizeQuery,
  parseGoBool,
  parseGoInt64,
  watchTimeoutSeconds,
} from '../../../../apiserver/server/query-params.js';

function badRequest(query: string, message: RegExp): void {
  assert.throws(
    () => normalizeQuery(new URLSearchParams(query)),
    (e: unknown) =>
      e instanceof ApiError && e.code === 400 && e.reason === 'BadRequest' && message.test(e.message),
  );
}

describe('apiserver/server/query-params: parameters read as Go reads them', () => {
  describe("booleans: every form of Go's strconv.ParseBool, nothing else", () => {
    for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True'])
      it(`${v} → true`, () => {
        assert.equal(parseGoBool(v), true);
        const q = new URLSearchParams(`watch=${v}`);
        normalizeQuery(q);
        assert.equal(q.get('watch'), 'true');
      });
    for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False'])
      it(`${v} → false`, () => {
        assert.equal(parseGoBool(v), false);
        const q = new URLSearchParams(`follow=${v}`);
        normalizeQuery(q);
        assert.equal(q.get('follow'), 'false');
      });
    for (const v of ['yes', 'tRUE', '', '2', 'on'])
      it(`${JSON.stringify(v)} → 400 naming the parameter`, () => {
        assert.equal(parseGoBool(v), undefined);
        badRequest(
          `allowWatchBookmarks=${v}`,
          /^invalid value for query parameter "allowWatchBookmarks": strconv\.ParseBool: parsing ".*": invalid syntax$/,
        );
      });
  });

  describe('integers: strconv.ParseInt(v, 10, 64) and a lower bound', () => {
    const ok: [string, string][] = [
      ['limit=5', '5'],
      ['limit=%2B7', '7'],
      ['limit=007', '7'],
      ['limit=0', '0'],
      ['timeoutSeconds=9223372036854775807', String(Number.MAX_SAFE_INTEGER)],
    ];
    for (const [query, want] of ok)
      it(`${query} → ${want}`, () => {
        const q = new URLSearchParams(query);
        normalizeQuery(q);
        assert.equal(q.get(query.split('=')[0]), want);
      });
    const bad: [string, RegExp][] = [
      // '+' in a query is a space, in Go's url.ParseQuery as here.
      ['limit=+7', /"limit": strconv\.ParseInt: parsing " 7": invalid syntax/],
      ['limit=abc', /"limit": strconv\.ParseInt: parsing "abc": invalid syntax/],
      ['limit=1.5', /"limit": strconv\.ParseInt: parsing "1\.5": invalid syntax/],
      ['limit=', /"limit": strconv\.ParseInt: parsing "": invalid syntax/],
      ['timeoutSeconds=9223372036854775808', /"timeoutSeconds": .*value out of range/],
      ['timeoutSeconds=-1', /"timeoutSeconds": must be greater than or equal to 0, got -1/],
      ['tailLines=x', /"tailLines": strconv\.ParseInt/],
      ['limitBytes=0', /"limitBytes": must be greater than or equal to 1/],
      ['gracePeriodSeconds=1e3', /"gracePeriodSeconds": strconv\.ParseInt/],
    ];
    for (const [query, message] of bad) it(`${query} → 400`, () => badRequest(query, message));
    it('parseGoInt64 edges', () => {
      assert.deepEqual(parseGoInt64('-9223372036854775808'), { value: -9223372036854775808n });
      assert.ok('error' in parseGoInt64('-9223372036854775809'));
      assert.ok('error' in parseGoInt64(' 1'));
    });
  });

  it('unknown parameters are left alone', () => {
    const q = new URLSearchParams('labelSelector=a%3Db&whatever=yes');
    normalizeQuery(q);
    assert.equal(q.toString(), 'labelSelector=a%3Db&whatever=yes');
  });

  describe('watch timeout', () => {
    const cases: [string, number, number][] = [
      ['given', 30, 30],
      ['huge values are capped (no 32-bit timer overflow)', 3_000_000, MAX_WATCH_TIMEOUT_SECONDS],
      ['the cap itself', MAX_WATCH_TIMEOUT_SECONDS, MAX_WATCH_TIMEOUT_SECONDS],
    ];
    for (const [name, given, want] of cases)
      it(name, () => assert.equal(watchTimeoutSeconds(new URLSearchParams(`timeoutSeconds=${given}`)), want));
    it('absent or 0: random between 30 and 60 minutes, as kube', () => {
      assert.equal(
        watchTimeoutSeconds(new URLSearchParams(''), () => 0),
        1800,
      );
      assert.equal(
        watchTimeoutSeconds(new URLSearchParams('timeoutSeconds=0'), () => 0.999999),
        3599,
      );
    });
  });
});
