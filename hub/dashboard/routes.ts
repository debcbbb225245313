/**
 * The fleet dashboard (issue 15), served by the hub at /ui/: a static single-page app (built from
 * ui/ into dist/ui/ by `npm run build`) that talks to the hub's own Kubernetes API with the
 * signed-in user's bearer token, so RBAC decides what it shows. No cookies: every API call carries
 * `Authorization: Bearer`, so a forged cross-site request has no credentials (CSRF-safe).
 *
 * Sign-in without a client certificate: `edgefed dashboard` (admin credentials) gets a
 * ServiceAccount token by TokenRequest and posts it to /ui/api/codes, which answers a one-time code;
 * the page posts the code to /ui/api/exchange (public) once and gets the token back.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { errors } from '../../apiserver/errors.js';
import type { ApiApp } from '../../apiserver/server/api-server.js';
import { OneTimeCodes } from './codes.js';

export const UI_PATH = '/ui/';
export const CODES_PATH = '/ui/api/codes';
export const EXCHANGE_PATH = '/ui/api/exchange';

/**
 * Same origin only, nothing inline, nothing remote: a script injected into the page (say, through
 * an object name) could neither run nor send the token anywhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const ASSETS: Record<string, { file: string; type: string }> = {
  [UI_PATH]: { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ui/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

export interface DashboardOptions {
  /** dist/ui: the built bundle. */
  assetDir: string;
  log: Logger;
  /** How long a sign-in code stays valid (default: $EDGEFED_DASHBOARD_CODE_TTL seconds, else 120 s). */
  codeTtlMs?: number;
}

/** Code lifetime from the environment (seconds, a positive integer), else two minutes. */
export function codeTtlFromEnv(v: string | undefined): number {
  const n = v !== undefined && /^[1-9][0-9]{0,5}$/.test(v) ? Number(v) : 120;
  return n * 1000;
}

/** Registers /ui/ (before the API server starts). */
export function registerDashboard(app: ApiApp, opts: DashboardOptions): OneTimeCodes {
  const codes = new OneTimeCodes(opts.codeTtlMs ?? codeTtlFromEnv(process.env.EDGEFED_DASHBOARD_CODE_TTL));

  const secure = (reply: FastifyReply): FastifyReply => reply.headers(SECURITY_HEADERS);

  for (const [path, asset] of Object.entries(ASSETS)) {
    app.get(path, { config: { public: true } }, async (_req, reply) => {
      secure(reply);
      let body: Buffer;
      try {
        body = await readFile(join(opts.assetDir, asset.file));
      } catch {
        throw errors.unavailable(
          `the dashboard is not built (${join(opts.assetDir, asset.file)} is missing): run npm run build`,
        );
      }
      return reply.type(asset.type).send(body);
    });
  }

  // Authenticated and authorized like any non-resource path (admins; or RBAC nonResourceURLs).
  app.post(CODES_PATH, async (req, reply) => {
    const token = stringField(req.body, 'token');
    if (!token || token.length > 16_384 || /\s/.test(token))
      throw errors.badRequest('body must be {"token": "<bearer token>"}');
    const issued = codes.issue(token);
    opts.log.info({ user: req.edgefedUser?.name }, 'dashboard sign-in code issued');
    return secure(reply).code(201).send({ code: issued.code, expiresAt: issued.expiresAt.toISOString() });
  });

  app.post(EXCHANGE_PATH, { config: { public: true } }, async (req, reply) => {
    const code = stringField(req.body, 'code');
    if (!code) throw errors.badRequest('body must be {"code": "<sign-in code>"}');
    const r = codes.redeem(code);
    if ('error' in r) {
      opts.log.info({ reason: r.error }, 'dashboard sign-in code refused');
      throw errors.unauthorized(
        r.error === 'expired'
          ? 'this sign-in code has expired: run edgefed dashboard again'
          : 'this sign-in code is not valid (a code works once): run edgefed dashboard again',
      );
    }
    return secure(reply).send({ token: r.token });
  });

  return codes;
}

/** A string field of a JSON body (the API server hands bodies over unparsed). */
function stringField(body: unknown, field: string): string | undefined {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const v = (parsed as Record<string, unknown>)[field];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
