/**
 * The error every runtime call throws for a non-2xx answer: the HTTP code plus the Kubernetes
 * Status (reason, message, details), so controllers can branch on 404 / 409 AlreadyExists /
 * 409 Conflict / 410 Expired without parsing messages.
 */

/** The parts of a meta/v1 Status the controllers use. */
export interface Status {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    /** HTTP status code (or the Status' code for an in-stream watch ERROR). */
    readonly code: number,
    /** Status reason: NotFound, AlreadyExists, Conflict, Invalid, Expired, ... ('' if none). */
    readonly reason: string,
    message: string,
    readonly status?: Status,
  ) {
    super(message);
  }

  /** Builds the error from a response body, which should be a Status but may be anything. */
  static fromResponse(code: number, body: string, what: string): ApiError {
    let status: Status | undefined;
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === 'object') status = parsed as Status;
    } catch {
      // Not JSON (a proxy's HTML page, an empty body): keep the text in the message.
    }
    const reason = status?.reason ?? '';
    const msg = status?.message ?? (body.trim().slice(0, 300) || `HTTP ${code}`);
    return new ApiError(code, reason, `${what}: ${code}${reason ? ` ${reason}` : ''}: ${msg}`, status);
  }

  static fromStatus(status: Status, what: string): ApiError {
    const code = status.code ?? 500;
    const reason = status.reason ?? '';
    return new ApiError(
      code,
      reason,
      `${what}: ${code}${reason ? ` ${reason}` : ''}: ${status.message ?? ''}`,
      status,
    );
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.code === 404;
}
/** 409 with reason AlreadyExists (a create lost to an existing object). */
export function isAlreadyExists(e: unknown): boolean {
  return e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists';
}
/** 409 Conflict: stale resourceVersion (an optimistic-concurrency loss). */
export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.code === 409 && e.reason !== 'AlreadyExists';
}
/** 410 Gone / Expired: a watch or continue token older than the compacted history. */
export function isExpired(e: unknown): boolean {
  return e instanceof ApiError && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');
}
