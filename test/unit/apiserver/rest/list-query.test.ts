import assert from 'node:assert/strict';
import { ApiError } from '../../../../apiserver/errors.js';
import { ResourceRegistry } from '../../../../apiserver/registry/registry.js';
import { decodeContinue } from '../../../../apiserver/rest/continue-token.js';
import { parseListQuery, parseResourceVersion } from '../../../../apiserver/rest/list-query.js';

describe('apiserver/rest/list-query: resourceVersion parsed as kube parses it (strconv.ParseUint)', () => {
  const cases: [string, number | undefined][] = [
    ['', 0],
    ['0', 0],
    ['42', 42],
    ['007', 7],
    ['9007199254740991', 9007199254740991],
    ['18446744073709551616', undefined],
    ['-5', undefined],
    ['+5', undefined],
    ['abc', undefined],
    ['1.0', undefined],
    [' 1', undefined],
  ];
  for (const [rv, want] of cases)
    it(`${JSON.stringify(rv)} → ${String(want)}`, () => assert.equal(parseResourceVersion(rv), want));

  const registry = new ResourceRegistry();
  const { info, version } = registry.resolve('', 'v1', 'configmaps') ?? assert.fail('configmaps');
  const parse = (q: string) => parseListQuery(info, version, new URLSearchParams(q), decodeContinue);
  const bad: [string, string][] = [
    [
      'resourceVersion=abc',
      'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
    ],
    [
      'resourceVersion=-5',
      'resourceVersion: Invalid value: "-5": strconv.ParseUint: parsing "-5": invalid syntax',
    ],
    [
      'resourceVersion=99999999999999999999',
      'resourceVersion: Invalid value: "99999999999999999999": strconv.ParseUint: parsing "99999999999999999999": value out of range',
    ],
    ['resourceVersionMatch=Exact', 'resourceVersionMatch=Exact requires a resourceVersion'],
    ['resourceVersionMatch=Exact&resourceVersion=0', 'resourceVersionMatch=Exact requires a resourceVersion'],
  ];
  for (const [q, message] of bad)
    it(`${q} → 400`, () =>
      assert.throws(
        () => parse(q),
        (e: unknown) =>
          e instanceof ApiError && e.code === 400 && e.reason === 'BadRequest' && e.message === message,
      ));
  it('Exact with a revision lists at that revision', () => {
    assert.equal(parse('resourceVersionMatch=Exact&resourceVersion=12').exactRevision, 12);
  });
});
