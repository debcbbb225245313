import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, errors } from '../errors.js';

/**
 * Requests that never reach a route (unparsable HTTP, headers past Node's limit, a request that
 * took too long to arrive) are still answered with a Kubernetes Status, on the raw socket.
 */
export function clientErrorStatus(code: string | undefined): ApiError {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError(408, 'Timeout', 'the request was not received in time');
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError(431, 'RequestEntityTooLarge', 'the request headers (or the URL) are too large');
    default:
      return errors.badRequest('the request could not be parsed as HTTP');
  }
}

/** The raw HTTP/1.1 response for a client error, connection closed after it. */
export function clientErrorResponse(code: string | undefined): string {
  const api = clientErrorStatus(code);
  const body = JSON.stringify(api.toStatus());
  return (
    `HTTP/1.1 ${api.code} ${STATUS_CODES[api.code] ?? ''}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/** Fastify's clientErrorHandler: as its default, with a Status body. */
export function handleClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) socket.write(clientErrorResponse(err.code));
  socket.destroy(err);
}
