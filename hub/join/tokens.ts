/**
 * Bootstrap tokens, as kubeadm keeps them: Secrets of type bootstrap.kubernetes.io/token in
 * kube-system named bootstrap-token-<id>, token `<id>.<secret>` (`[a-z0-9]{6}.[a-z0-9]{16}`).
 * edgefed adds `edgefed-labels` (JSON): labels every cluster joining with the token gets.
 *
 * The secret half is never logged or listed; only the id is.
 */
import { randomInt, timingSafeEqual } from 'node:crypto';
import type { KubeObject } from '../../api/kubernetes.js';
import type { KubeClient } from '../../client/client.js';
import { isAlreadyExists, isNotFound } from '../../client/errors.js';
import { BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_TYPE, TOKEN_PATTERN } from '../../api/protocol.js';
import { rfc3339 } from '../../api/time.js';

const SECRETS_PATH = `/api/v1/namespaces/${BOOTSTRAP_TOKEN_NAMESPACE}/secrets`;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Data key holding the labels (JSON object) given to clusters that join with the token. */
export const TOKEN_LABELS_KEY = 'edgefed-labels';
/** kubeadm's default token lifetime. */
export const DEFAULT_TOKEN_TTL_SECONDS = 24 * 60 * 60;

export interface CreateTokenOptions {
  /** Lifetime in seconds; 0 means the token never expires (as kubeadm's --ttl 0). Default 24 h. */
  ttlSeconds?: number;
  labels?: Record<string, string>;
  description?: string;
  /** For tests: the clock. */
  now?: Date;
}

export interface CreatedToken {
  /** The whole token `<id>.<secret>`: show it once, store it nowhere else. */
  token: string;
  id: string;
  /** RFC 3339, or undefined for a token that never expires. */
  expires?: string;
}

export interface TokenInfo {
  id: string;
  expires?: string;
  expired: boolean;
  labels: Record<string, string>;
  description: string;
}

export type TokenFailure = 'malformed' | 'unknown' | 'expired' | 'unusable';

export type TokenValidation =
  | { ok: true; id: string; labels: Record<string, string> }
  | { ok: false; reason: TokenFailure; message: string };

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

/** `n` characters from [a-z0-9], uniformly (crypto.randomInt rejects modulo bias). */
function randomString(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** A fresh token in kubeadm's format. */
export function generateToken(): { id: string; secret: string; token: string } {
  const id = randomString(6);
  const secret = randomString(16);
  return { id, secret, token: `${id}.${secret}` };
}

export function tokenSecretName(id: string): string {
  return `bootstrap-token-${id}`;
}

/** RFC 3339 without fractional seconds, as kubeadm writes `expiration`. */

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined): string | undefined =>
  s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');

/** The Secret for a token (exported for tests). */
export function tokenSecret(
  id: string,
  secret: string,
  opts: { expires?: Date; labels?: Record<string, string>; description?: string },
): Secret {
  const data: Record<string, string> = {
    'token-id': b64(id),
    'token-secret': b64(secret),
    'usage-bootstrap-authentication': b64('true'),
    description: b64(opts.description ?? ''),
    [TOKEN_LABELS_KEY]: b64(JSON.stringify(opts.labels ?? {})),
  };
  if (opts.expires) data.expiration = b64(rfc3339(opts.expires));
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: BOOTSTRAP_TOKEN_TYPE,
    metadata: { name: tokenSecretName(id), namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    data,
  };
}

/** Creates a token. A (vanishingly unlikely) id collision is retried with a new token. */
export async function createToken(client: KubeClient, opts: CreateTokenOptions = {}): Promise<CreatedToken> {
  const ttl = opts.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  if (!Number.isFinite(ttl) || ttl < 0) throw new Error('token ttl must be a non-negative number of seconds');
  const now = opts.now ?? new Date();
  const expires = ttl > 0 ? new Date(now.getTime() + ttl * 1000) : undefined;
  for (let attempt = 0; ; attempt++) {
    const t = generateToken();
    try {
      await client.create(
        SECRETS_PATH,
        tokenSecret(t.id, t.secret, { expires, labels: opts.labels, description: opts.description }),
      );
      return { token: t.token, id: t.id, expires: expires ? rfc3339(expires) : undefined };
    } catch (e) {
      if (attempt < 3 && isAlreadyExists(e)) continue;
      throw e;
    }
  }
}

function parseLabels(json: string | undefined): Record<string, string> {
  if (!json) return {};
  try {
    const v: unknown = JSON.parse(json);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>))
      if (typeof val === 'string') out[k] = val;
    return out;
  } catch {
    return {};
  }
}

/** What a token Secret says, without its secret half. */
export function tokenInfo(s: Secret, now = new Date()): TokenInfo | undefined {
  if (s.type !== BOOTSTRAP_TOKEN_TYPE) return undefined;
  const id = unb64(s.data?.['token-id']) ?? String(s.metadata.name ?? '').replace(/^bootstrap-token-/, '');
  const expires = unb64(s.data?.expiration);
  const exp = expires ? Date.parse(expires) : undefined;
  return {
    id,
    expires,
    // An unparsable expiration is treated as expired (kubeadm does the same).
    expired: expires !== undefined && (exp === undefined || Number.isNaN(exp) || exp <= now.getTime()),
    labels: parseLabels(unb64(s.data?.[TOKEN_LABELS_KEY])),
    description: unb64(s.data?.description) ?? '',
  };
}

export async function listTokens(client: KubeClient, now = new Date()): Promise<TokenInfo[]> {
  const all = await client.listAll<Secret>(SECRETS_PATH);
  return all.items
    .map((s) => tokenInfo(s, now))
    .filter((t): t is TokenInfo => t !== undefined)
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Deletes a token by id (or whole token: only the id part is used). Answers whether it existed. */
export async function deleteToken(client: KubeClient, idOrToken: string): Promise<boolean> {
  const id = idOrToken.split('.')[0];
  if (!/^[a-z0-9]{6}$/.test(id)) throw new Error(`"${id}" is not a token id (6 characters [a-z0-9])`);
  return client.deleteIfExists(`${SECRETS_PATH}/${tokenSecretName(id)}`);
}

export const TOKEN_MESSAGES: Record<TokenFailure, string> = {
  malformed: 'malformed token: a bootstrap token looks like abcdef.0123456789abcdef',
  unknown: 'bootstrap token not found (deleted?)',
  expired: 'bootstrap token expired',
  unusable: 'bootstrap token is not usable for authentication',
};

const fail = (reason: TokenFailure): TokenValidation => ({
  ok: false,
  reason,
  message: TOKEN_MESSAGES[reason],
});

/** Checks a token against a Secret (pure: the unit-testable part of validateToken). */
export function checkTokenSecret(token: string, s: Secret | undefined, now = new Date()): TokenValidation {
  const m = TOKEN_PATTERN.exec(token);
  if (!m) return fail('malformed');
  const [, id, secret] = m;
  if (!s || s.type !== BOOTSTRAP_TOKEN_TYPE || s.metadata.deletionTimestamp) return fail('unknown');
  const storedId = unb64(s.data?.['token-id']);
  const storedSecret = unb64(s.data?.['token-secret']) ?? '';
  const given = Buffer.from(secret, 'utf8');
  const want = Buffer.from(storedSecret, 'utf8');
  // Both are 16 bytes for a well-formed Secret; a malformed one must not be accepted either way.
  const match = want.length === given.length && timingSafeEqual(want, given);
  if (storedId !== id || !match) return fail('unknown');
  const info = tokenInfo(s, now);
  if (!info || info.expired) return fail('expired');
  if (unb64(s.data?.['usage-bootstrap-authentication']) !== 'true') return fail('unusable');
  return { ok: true, id, labels: info.labels };
}

/** Validates a presented token against the hub's bootstrap token Secrets. */
export async function validateToken(
  client: KubeClient,
  token: string,
  now = new Date(),
): Promise<TokenValidation> {
  const m = TOKEN_PATTERN.exec(token);
  if (!m) return fail('malformed');
  let s: Secret | undefined;
  try {
    s = await client.get<Secret>(`${SECRETS_PATH}/${tokenSecretName(m[1])}`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  return checkTokenSecret(token, s, now);
}
