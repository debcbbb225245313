import { errors } from '../errors.js';
import { decodeContinue } from '../rest/continue-token.js';
import { parseListQuery } from '../rest/list-query.js';
import { startWatch, type WatchEventType } from '../rest/watch.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { shapeObject } from './encode.js';
import { watchTimeoutSeconds } from './query-params.js';
import type { ResourceRequest } from './resource-request.js';

/** A watch: a chunked stream of JSON events, one per line, until timeout, error or disconnect. */
export async function serveWatch(r: ResourceRequest): Promise<void> {
  const { deps, reply, info, version, ns, q, neg } = r;
  const lq = parseListQuery(info, version, q, decodeContinue);
  const timeoutSec = watchTimeoutSeconds(q);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
  });
  res.flushHeaders();
  let first = true;
  let closed = false;
  const gauge = deps.metrics.watchers.labels(info.group, info.resource);
  gauge.inc();
  let stopWatch: (() => void) | undefined;
  const close = (): void => {
    if (closed) return;
    closed = true;
    gauge.dec();
    stopWatch?.();
    clearTimeout(timer);
    deps.watchClosers.delete(close);
    res.end();
  };
  deps.watchClosers.add(close);
  const timer = setTimeout(close, timeoutSec * 1000);
  // The response's 'close' fires when the client goes away (the request's fires once its body is read).
  res.on('close', close);
  const sink = {
    send(type: WatchEventType, object: KubeObject, json?: string) {
      if (closed) return;
      let line: string;
      if (neg.shape === 'table' && type !== 'ERROR' && type !== 'BOOKMARK') {
        line = JSON.stringify({ type, object: shapeObject(neg, info, version, object, q, !first) });
        first = false;
      } else if (neg.shape === 'partial' && type !== 'ERROR' && type !== 'BOOKMARK') {
        line = JSON.stringify({ type, object: shapeObject(neg, info, version, object, q) });
      } else {
        line = `{"type":"${type}","object":${json ?? JSON.stringify(object)}}`;
      }
      res.write(line + '\n');
      // A watcher that cannot keep up is dropped (it relists), rather than buffering without bound.
      if (res.writableLength > 64 * 1024 * 1024) close();
    },
    end: close,
  };
  try {
    const w = await startWatch(
      deps.storage,
      info,
      version,
      ns,
      lq,
      {
        allowBookmarks: q.get('allowWatchBookmarks') === 'true',
        sendInitialEvents: q.get('sendInitialEvents') === 'true',
      },
      sink,
    );
    if (closed) w.stop();
    else stopWatch = () => w.stop();
  } catch (e) {
    const status =
      e instanceof Error && e.name === 'ApiError'
        ? (e as ReturnType<typeof errors.internal>).toStatus()
        : errors.internal(String(e)).toStatus();
    sink.send('ERROR', status as unknown as KubeObject);
    close();
  }
}
