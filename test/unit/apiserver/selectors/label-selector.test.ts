import assert from 'node:assert/strict';
import { ApiError } from '../../../../apiserver/errors.js';
import {
  EVERYTHING,
  NOTHING,
  formatLabelSelector,
  formatLabels,
  formatMetaLabelSelector,
  labelSelectorFromMeta,
  labelSelectorFromSet,
  matchesLabels,
  parseLabelSelector,
  type MetaLabelSelector,
} from '../../../../apiserver/selectors/label-selector.js';

const QUALIFIED =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function badRequest(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    assert.equal(e.message, message);
    return true;
  });
}

describe('selectors/label-selector parse + format', () => {
  // input → canonical String() form (sorted by key, values sorted, '==' kept).
  const cases: [string, string][] = [
    ['', ''],
    ['a=b', 'a=b'],
    ['a==b', 'a==b'],
    ['a!=b', 'a!=b'],
    ['a', 'a'],
    ['!a', '!a'],
    ['a=', 'a='],
    ['  a = b ,  c  ', 'a=b,c'],
    ['x in (b,a)', 'x in (a,b)'],
    ['x in (a,a)', 'x in (a)'],
    ['x notin (a)', 'x notin (a)'],
    ['x in ()', 'x in ()'],
    ['x in (,a)', 'x in (,a)'],
    ['x in (a,)', 'x in (,a)'],
    ['x in (a,,b)', 'x in (,a,b)'],
    ['z=1,a=2,m', 'a=2,m,z=1'],
    ['in=notin', 'in=notin'],
    ['a in (in,notin)', 'a in (in,notin)'],
    ['example.com/app=web', 'example.com/app=web'],
    ['a>1,b<10', 'a>1,b<10'],
  ];
  for (const [input, want] of cases) {
    it(JSON.stringify(input), () => assert.equal(formatLabelSelector(parseLabelSelector(input)), want));
  }
});

describe('selectors/label-selector parse errors', () => {
  const cases: [string, string][] = [
    ['a=b=c', "found '=', expected: ',' or 'end of string'"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a,', "found '', expected: identifier after ','"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    [
      'a>b',
      `unable to parse requirement: values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    ['Bad_Key_=x', `unable to parse requirement: <nil>: Invalid value: "Bad_Key_": ${QUALIFIED}`],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['a=bad value!', "found 'value', expected: ',' or 'end of string'"],
    ['a=-x', `unable to parse requirement: values[0][a]: Invalid value: "-x": ${LABEL_VALUE}`],
    ['a=>', "unable to parse requirement: found '>', expected: identifier"],
    ['a<>1', "unable to parse requirement: found '>', expected: identifier"],
    ['a=!b', "unable to parse requirement: found '!', expected: identifier"],
  ];
  for (const [input, message] of cases) {
    it(JSON.stringify(input), () => badRequest(() => parseLabelSelector(input), message));
  }
  it('accepts an empty exact value', () =>
    assert.equal(formatLabelSelector(parseLabelSelector('a==')), 'a=='));
});

describe('selectors/label-selector matchesLabels', () => {
  const labels = { app: 'web', tier: 'front', n: '5' };
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ['', labels, true],
    ['', undefined, true],
    ['app=web', labels, true],
    ['app==web', labels, true],
    ['app=db', labels, false],
    ['app!=db', labels, true],
    ['missing!=x', labels, true],
    ['app!=web', labels, false],
    ['app in (db,web)', labels, true],
    ['app in (db)', labels, false],
    ['missing in (x)', labels, false],
    ['app notin (db)', labels, true],
    ['missing notin (x)', labels, true],
    ['app notin (web)', labels, false],
    ['app', labels, true],
    ['missing', labels, false],
    ['!missing', labels, true],
    ['!app', labels, false],
    ['app=web,tier=front', labels, true],
    ['app=web,tier=back', labels, false],
    ['n>4', labels, true],
    ['n>5', labels, false],
    ['n<6', labels, true],
    ['app>1', labels, false],
    ['missing>1', labels, false],
    ['missing=', labels, false],
    ['app', undefined, false],
  ];
  for (const [sel, ls, want] of cases) {
    it(`${JSON.stringify(sel)} on ${JSON.stringify(ls)} → ${want}`, () =>
      assert.equal(matchesLabels(parseLabelSelector(sel), ls), want));
  }
});

describe('selectors/label-selector labelSelectorFromMeta', () => {
  it('null and undefined select nothing', () => {
    for (const sel of [null, undefined]) {
      const s = labelSelectorFromMeta(sel);
      assert.equal(s, NOTHING);
      assert.equal(s.nothing, true);
      assert.equal(matchesLabels(s, {}), false);
      assert.equal(matchesLabels(s, { a: 'b' }), false);
    }
  });
  it('empty selectors select everything', () => {
    for (const sel of [
      {},
      { matchLabels: {} },
      { matchExpressions: [] },
      { matchLabels: null, matchExpressions: null },
    ]) {
      const s = labelSelectorFromMeta(sel);
      assert.equal(s, EVERYTHING);
      assert.equal(matchesLabels(s, {}), true);
    }
  });

  const cases: [MetaLabelSelector, string, Record<string, string>, boolean][] = [
    [{ matchLabels: { b: '2', a: '1' } }, 'a=1,b=2', { a: '1', b: '2', c: '3' }, true],
    [{ matchLabels: { a: '1' } }, 'a=1', { a: '2' }, false],
    [
      { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] },
      'env in (dev,prod)',
      { env: 'dev' },
      true,
    ],
    [
      { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] },
      'env notin (prod)',
      {},
      true,
    ],
    [{ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, 'env', { env: '' }, true],
    [{ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, '!env', { env: 'x' }, false],
    [
      { matchLabels: { z: '1' }, matchExpressions: [{ key: 'a', operator: 'Exists' }] },
      'a,z=1',
      { a: 'x', z: '1' },
      true,
    ],
  ];
  for (const [meta, str, ls, want] of cases) {
    it(str, () => {
      const s = labelSelectorFromMeta(meta);
      assert.equal(formatLabelSelector(s), str);
      assert.equal(matchesLabels(s, ls), want);
    });
  }

  const errors: [MetaLabelSelector, string][] = [
    [
      { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] },
      '"Equals" is not a valid label selector operator',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
      "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
    ],
    [
      { matchLabels: { 'a/b/c': 'x' } },
      `key: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ],
    [{ matchLabels: { a: 'x y' } }, `values[0][a]: Invalid value: "x y": ${LABEL_VALUE}`],
    [
      { matchLabels: { _a: 'x y' } },
      `[key: Invalid value: "_a": ${QUALIFIED}, values[0][_a]: Invalid value: "x y": ${LABEL_VALUE}]`,
    ],
  ];
  for (const [meta, message] of errors) {
    it(`rejects ${JSON.stringify(meta)}`, () => badRequest(() => labelSelectorFromMeta(meta), message));
  }
});

describe('selectors/label-selector formatting helpers', () => {
  it('formatMetaLabelSelector', () => {
    assert.equal(formatMetaLabelSelector(null), '<none>');
    assert.equal(formatMetaLabelSelector({}), '<none>');
    assert.equal(formatMetaLabelSelector({ matchLabels: { app: 'web' } }), 'app=web');
    assert.equal(formatMetaLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), '<error>');
  });
  it('formatLabels and labelSelectorFromSet', () => {
    assert.equal(formatLabels({}), '<none>');
    assert.equal(formatLabels(undefined), '<none>');
    assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
    assert.equal(matchesLabels(labelSelectorFromSet({ a: '1' }), { a: '1', b: '2' }), true);
    assert.equal(matchesLabels(labelSelectorFromSet({}), {}), true);
  });
});
