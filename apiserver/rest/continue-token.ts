import { errors } from '../errors.js';

export function encodeContinue(key: string, revision: number): string {
  return Buffer.from(JSON.stringify({ v: 'edgefed.io/v1', rv: revision, start: key })).toString('base64url');
}

export function decodeContinue(token: string): { key: string; revision: number } {
  try {
    const d = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      rv?: unknown;
      start?: unknown;
    };
    if (typeof d.rv === 'number' && typeof d.start === 'string') return { key: d.start, revision: d.rv };
  } catch {
    // fall through to the error below
  }
  throw errors.badRequest('invalid continue token');
}
