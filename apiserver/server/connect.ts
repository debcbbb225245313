/**
 * "Connect" subresources (pods/log today): answers that are not stored objects but come from
 * whatever runs the workload. The API server owns the HTTP side (authorization, errors, streaming,
 * ending the stream when the client goes away); the provider (the edge node runtime) owns the bytes.
 */
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserInfo } from '../rest/context.js';

export interface ConnectRequest {
  namespace: string | undefined;
  name: string;
  query: URLSearchParams;
  user: UserInfo;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
}

export interface ConnectResult {
  stream: Readable;
  contentType: string;
}

/** Throws an ApiError for a request it cannot serve (the API server sends it as a Status). */
export type ConnectHandler = (req: ConnectRequest) => Promise<ConnectResult>;

/** `<group>/<resource>/<subresource>`, the core group spelled as the empty string: `/pods/log`. */
export function connectKey(group: string, resource: string, subresource: string): string {
  return `${group}/${resource}/${subresource}`;
}

export async function serveConnect(
  handler: ConnectHandler,
  req: FastifyRequest,
  reply: FastifyReply,
  target: Omit<ConnectRequest, 'signal'>,
): Promise<FastifyReply> {
  const abort = new AbortController();
  // 'close' on the response fires when the client hangs up mid-stream (kubectl logs -f, Ctrl-C).
  reply.raw.once('close', () => abort.abort());
  const { stream, contentType } = await handler({ ...target, signal: abort.signal });
  abort.signal.addEventListener('abort', () => stream.destroy(), { once: true });
  // Flush each chunk as it comes: `logs -f` readers expect lines promptly, not at buffer size.
  reply.raw.setHeader('X-Content-Type-Options', 'nosniff');
  return reply.code(200).type(contentType).send(stream);
}
