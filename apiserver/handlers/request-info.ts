/** What a request path under /api or /apis addresses, as kube's RequestInfoFactory reads it. */
export type ApiPath =
  | { kind: 'root'; core: boolean } // /api, /apis
  | { kind: 'group'; group: string } // /apis/<g>
  | { kind: 'groupVersion'; group: string; version: string } // /api/v1, /apis/<g>/<v>
  | {
      kind: 'resource';
      group: string;
      version: string;
      resource: string;
      namespace?: string;
      name?: string;
      subresource?: string;
      /** Legacy /watch/ prefix. */
      watchPath: boolean;
    };

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseApiPath(pathname: string): ApiPath | undefined {
  const parts = pathname
    .split('/')
    .filter((p) => p.length > 0)
    .map(decodeURIComponent);
  if (parts[0] === 'api') {
    if (parts.length === 1) return { kind: 'root', core: true };
    return parseGroupVersionRest('', parts[1], parts.slice(2));
  }
  if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'root', core: false };
    if (parts.length === 2) return { kind: 'group', group: parts[1] };
    return parseGroupVersionRest(parts[1], parts[2], parts.slice(3));
  }
  return undefined;
}

function parseGroupVersionRest(group: string, version: string, rest: string[]): ApiPath | undefined {
  if (rest.length === 0) return { kind: 'groupVersion', group, version };
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) {
      rest = rest.slice(2);
    } else {
      // /namespaces/<name>[/status]: the namespace object itself.
      return {
        kind: 'resource',
        group,
        version,
        resource: 'namespaces',
        name: rest[1],
        subresource: rest[2],
        watchPath,
      };
    }
  }
  if (rest.length === 0 || rest.length > 3) return undefined;
  return {
    kind: 'resource',
    group,
    version,
    resource: rest[0],
    namespace,
    name: rest[1],
    subresource: rest[2],
    watchPath,
  };
}
