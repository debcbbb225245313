import assert from 'node:assert/strict';
import { decodeFieldsV1, encodeFieldsV1 } from '../../../../apiserver/fieldmanager/fieldsv1.js';
import { field, keyElement, pathString, type Path } from '../../../../apiserver/fieldmanager/path.js';

const containersPath = [field('spec'), field('template'), field('spec'), field('containers')];

describe('fieldmanager: FieldsV1 encoding', () => {
  const roundTrips: Array<{ name: string; fieldsV1: Record<string, unknown> }> = [
    {
      name: 'the example from the Kubernetes docs',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:template': {
            'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      },
    },
    {
      name: 'a member with children, set items, multi-key items',
      fieldsV1: {
        'f:metadata': { 'f:finalizers': { '.': {}, 'v:"a"': {}, 'v:"b"': {} } },
        'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
      },
    },
  ];
  for (const c of roundTrips) {
    it(`round-trips ${c.name}`, () => {
      const encoded = encodeFieldsV1(decodeFieldsV1(c.fieldsV1));
      assert.deepEqual(encoded, c.fieldsV1);
      assert.equal(JSON.stringify(encoded), JSON.stringify(c.fieldsV1));
    });
  }

  it('orders "." first, then fields, keys and values, each sorted', () => {
    const encoded = encodeFieldsV1(
      decodeFieldsV1({ 'v:1': {}, 'k:{"b":1}': {}, 'f:z': {}, 'k:{"a":2}': {}, 'f:a': {}, '.': {} }),
    );
    // The root "." means nothing (nobody owns the whole object), so it does not come back.
    assert.deepEqual(Object.keys(encoded), ['f:a', 'f:z', 'k:{"a":2}', 'k:{"b":1}', 'v:1']);
  });

  it('writes key JSON with sorted keys and Go’s HTML escaping', () => {
    const set = decodeFieldsV1({});
    set.insert([
      ...containersPath,
      keyElement([
        ['name', '<a&b>'],
        ['id', 1],
      ]),
    ]);
    const containers = encodeFieldsV1(set)['f:spec'] as Record<
      string,
      Record<string, Record<string, object>>
    >;
    assert.deepEqual(Object.keys(containers['f:template']['f:spec']['f:containers']), [
      'k:{"id":1,"name":"\\u003ca\\u0026b\\u003e"}',
    ]);
  });

  for (const bad of [{ 'x:y': {} }, { 'f:a': 1 }, { 'k:[1]': {} }, []]) {
    it(`rejects malformed FieldsV1 ${JSON.stringify(bad)}`, () => {
      assert.throws(() => decodeFieldsV1(bad));
    });
  }
});

describe('fieldmanager: printed paths', () => {
  const cases: Array<[Path, string]> = [
    [[field('spec'), field('replicas')], '.spec.replicas'],
    [
      [...containersPath, keyElement([['name', 'nginx']]), field('image')],
      '.spec.template.spec.containers[name="nginx"].image',
    ],
    [
      [
        field('ports'),
        keyElement([
          ['protocol', 'TCP'],
          ['containerPort', 80],
        ]),
      ],
      '.ports[containerPort=80,protocol="TCP"]',
    ],
    [
      [field('metadata'), field('finalizers'), { kind: 'value', value: 'x.io/a' }],
      '.metadata.finalizers[="x.io/a"]',
    ],
  ];
  for (const [path, printed] of cases) {
    it(printed, () => assert.equal(pathString(path), printed));
  }
});
