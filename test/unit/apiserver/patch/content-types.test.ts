import assert from 'node:assert/strict';
import { ApiError } from '../../../../apiserver/errors.js';
import { PATCH_CONTENT_TYPES, patchTypeOf } from '../../../../apiserver/patch/index.js';

describe('patchTypeOf', () => {
  const accepted: [string, string][] = [
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json', 'merge'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['Application/JSON-Patch+JSON', 'json'],
  ];
  for (const [contentType, type] of accepted) {
    it(`${contentType} is ${type}`, () => assert.equal(patchTypeOf(contentType), type));
  }

  for (const contentType of [PATCH_CONTENT_TYPES.applyCbor, 'application/json', '', undefined]) {
    it(`415 for ${String(contentType)}`, () => {
      assert.throws(
        () => patchTypeOf(contentType),
        (err: unknown) =>
          err instanceof ApiError && err.code === 415 && /accepted media types include/.test(err.message),
      );
    });
  }
});
