import assert from 'node:assert/strict';
import { clientErrorResponse } from '../../../../apiserver/server/client-error.js';

describe('apiserver/server/client-error: requests that never reach a route get a Status', () => {
  const cases: [string | undefined, number, string][] = [
    ['HPE_HEADER_OVERFLOW', 431, 'RequestEntityTooLarge'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'Timeout'],
    ['HPE_INVALID_METHOD', 400, 'BadRequest'],
    [undefined, 400, 'BadRequest'],
  ];
  for (const [code, status, reason] of cases) {
    it(`${code ?? 'no code'} → ${status} ${reason}`, () => {
      const raw = clientErrorResponse(code);
      const [head, body] = raw.split('\r\n\r\n');
      assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `));
      assert.match(head, new RegExp(`Content-Length: ${Buffer.byteLength(body)}\\r\\n`));
      const st = JSON.parse(body) as { kind: string; code: number; reason: string; status: string };
      assert.deepEqual([st.kind, st.code, st.reason, st.status], ['Status', status, reason, 'Failure']);
    });
  }
});
