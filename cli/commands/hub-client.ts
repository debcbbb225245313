/**
 * A small JSON client for the hub's Kubernetes API, for the kubefedctl-style commands: credentials
 * from a kubeconfig (via @kubernetes/client-node), plain JSON requests (merge patches where a patch is
 * wanted, never strategic merge on custom resources), and kubectl-like type resolution through
 * discovery.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KubeObject } from '../../api/kubernetes.js';
import type { TypeRef } from '../../api/federation.js';

export class HubApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The kubeconfig path: the flag, else the first existing $KUBECONFIG entry, else ~/.kube/config. */
export function kubeconfigPath(flag?: string): string {
  if (flag) return flag;
  const env = (process.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  return env.find((p) => existsSync(p)) ?? env[0] ?? join(homedir(), '.kube', 'config');
}

export interface ApiResource {
  group: string;
  version: string;
  /** Plural resource name, e.g. deployments. */
  name: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
}

interface ApiResourceList {
  groupVersion: string;
  resources: {
    name: string;
    singularName?: string;
    kind: string;
    namespaced: boolean;
    shortNames?: string[];
    verbs?: string[];
  }[];
}

interface ApiGroupList {
  groups: { name: string; preferredVersion?: { version: string }; versions: { version: string }[] }[];
}

export class HubClient {
  private discovery?: Promise<ApiResource[]>;

  private constructor(
    private readonly kc: KubeConfig,
    readonly server: string,
  ) {}

  /** Loads credentials; @kubernetes/client-node is imported here because it is slow to load (~1 s). */
  static async load(kubeconfig?: string, context?: string): Promise<HubClient> {
    const path = kubeconfigPath(kubeconfig);
    if (!existsSync(path)) {
      throw new Error(`kubeconfig ${path} does not exist (use --kubeconfig or set KUBECONFIG)`);
    }
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(path);
    } catch (e) {
      throw new Error(`cannot load kubeconfig ${path}: ${(e as Error).message}`);
    }
    if (context) {
      if (!kc.getContextObject(context)) throw new Error(`context "${context}" not found in ${path}`);
      kc.setCurrentContext(context);
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster?.server) throw new Error(`kubeconfig ${path} has no current cluster with a server`);
    return new HubClient(kc, cluster.server.replace(/\/+$/, ''));
  }

  /** A JSON request; resolves the parsed body (undefined for an empty one), rejects with HubApiError. */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const url = new URL(this.server + path);
    const opts: RequestOptions = {
      method,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      path: url.pathname + url.search,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': contentType } : {}),
      },
    };
    await this.kc.applyToHTTPSOptions(opts);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = send(opts, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: data }));
        res.on('error', reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: timed out after 30 s`)));
      req.on('error', (e) => reject(new Error(`cannot reach the hub at ${this.server}: ${e.message}`)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (status < 200 || status >= 300) {
      const st = (parsed ?? {}) as { message?: string; reason?: string };
      throw new HubApiError(status, st.reason ?? '', st.message ?? (text.trim() || `HTTP ${status}`));
    }
    return parsed as T;
  }

  /** GET that resolves undefined on 404. */
  async getOptional<T = KubeObject>(path: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', path);
    } catch (e) {
      if (e instanceof HubApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** Every resource the hub serves (preferred version of each group), without subresources. */
  resources(refresh = false): Promise<ApiResource[]> {
    if (!this.discovery || refresh) this.discovery = this.discover();
    return this.discovery;
  }

  private async discover(): Promise<ApiResource[]> {
    const lists: ApiResourceList[] = [await this.request<ApiResourceList>('GET', '/api/v1')];
    const groups = await this.request<ApiGroupList>('GET', '/apis');
    const fetched = await Promise.all(
      groups.groups.map((g) => {
        const v = g.preferredVersion?.version ?? g.versions[0]?.version;
        return v ? this.getOptional<ApiResourceList>(`/apis/${g.name}/${v}`) : Promise.resolve(undefined);
      }),
    );
    for (const l of fetched) if (l) lists.push(l);
    const out: ApiResource[] = [];
    for (const l of lists) {
      const [group, version] = l.groupVersion.includes('/')
        ? l.groupVersion.split('/')
        : ['', l.groupVersion];
      for (const r of l.resources ?? []) {
        if (r.name.includes('/')) continue;
        out.push({
          group,
          version,
          name: r.name,
          singularName: r.singularName || r.kind.toLowerCase(),
          kind: r.kind,
          namespaced: r.namespaced,
          shortNames: r.shortNames ?? [],
          verbs: r.verbs ?? [],
        });
      }
    }
    return out;
  }

  /**
   * Resolves a type argument like kubectl: plural, singular, kind or short name, optionally qualified
   * as `<name>.<group>` or `<name>.<version>.<group>` (e.g. deploy, deployments.apps,
   * widgets.example.com). Ambiguous names are an error naming the candidates.
   */
  async resolveType(arg: string): Promise<ApiResource> {
    const matches = matchResources(await this.resources(), arg);
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) {
      const names = matches.map((r) => (r.group ? `${r.name}.${r.group}` : r.name)).join(', ');
      throw new Error(`"${arg}" is ambiguous: it matches ${names}; use <plural>.<group>`);
    }
    throw new Error(
      `the hub serves no resource type "${arg}" (see \`kubectl api-resources\`; a CRD must be installed first)`,
    );
  }

  /** The resource serving an apiVersion + kind, if any. */
  async resourceForKind(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const all = await this.resources();
    return (
      all.find((r) => r.group === group && r.kind === kind && r.version === version) ??
      all.find((r) => r.group === group && r.kind === kind)
    );
  }
}

/** kubectl-like matching of a type argument against discovered resources. */
export function matchResources(all: ApiResource[], arg: string): ApiResource[] {
  const key = arg.trim().toLowerCase();
  const nameMatches = (r: ApiResource, n: string) =>
    n === r.name || n === r.singularName || n === r.kind.toLowerCase() || r.shortNames.includes(n);
  // Fully qualified first: name.group or name.version.group.
  const dot = key.indexOf('.');
  if (dot > 0) {
    const name = key.slice(0, dot);
    const rest = key.slice(dot + 1);
    const qualified = all.filter(
      (r) => nameMatches(r, name) && (rest === r.group || rest === `${r.version}.${r.group}`),
    );
    if (qualified.length) return preferOne(qualified);
  }
  return preferOne(all.filter((r) => nameMatches(r, key)));
}

/** One entry per group+resource; when several groups match and one is the core group, it wins (as in kubectl). */
function preferOne(rs: ApiResource[]): ApiResource[] {
  const seen = new Map<string, ApiResource>();
  for (const r of rs) if (!seen.has(`${r.name}.${r.group}`)) seen.set(`${r.name}.${r.group}`, r);
  const list = [...seen.values()];
  const core = list.filter((r) => r.group === '');
  return list.length > 1 && core.length === 1 ? core : list;
}

export function typeRefOf(r: ApiResource): TypeRef {
  return {
    ...(r.group ? { group: r.group } : {}),
    version: r.version,
    kind: r.kind,
    pluralName: r.name,
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
  };
}

/** Collection path for a resource: /api/v1[/namespaces/ns]/plural or /apis/g/v[/namespaces/ns]/plural. */
export function resourcePath(
  r: { group?: string; version: string; pluralName: string },
  namespace?: string,
  name?: string,
): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.pluralName}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
