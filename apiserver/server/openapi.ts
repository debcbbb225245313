import type { ResourceRegistry } from '../registry/registry.js';
import { documentHash, openApiV3Document, openApiV3Index } from '../schema/openapi.js';
import { VERSION_INFO } from '../handlers/discovery.js';
import { openApiV2Document } from '../schema/openapi-v2.js';
import type { JsonObject } from '../../api/kubernetes.js';

/** OpenAPI v3 documents per group-version, rebuilt lazily after the set of resources changes. */
export class OpenApiCache {
  private docs = new Map<string, { doc: JsonObject; hash: string }>();
  private index: JsonObject | undefined;
  private v2Doc: string | undefined;

  constructor(private readonly registry: ResourceRegistry) {
    registry.on('changed', () => {
      this.docs.clear();
      this.index = undefined;
      this.v2Doc = undefined;
    });
  }

  /** Key: 'api/v1' or 'apis/<group>/<version>'. */
  document(path: string): { doc: JsonObject; hash: string } | undefined {
    const cached = this.docs.get(path);
    if (cached) return cached;
    const gv = parseGvPath(path);
    if (!gv) return undefined;
    const resources = this.registry.resourcesIn(gv.group, gv.version).map((r) => r.info);
    if (resources.length === 0) return undefined;
    const doc = openApiV3Document(gv.group, gv.version, resources) as unknown as JsonObject;
    const entry = { doc, hash: documentHash(doc) };
    this.docs.set(path, entry);
    return entry;
  }

  /** The Swagger 2.0 document, serialized (kubectl fetches it whole). */
  v2(): string {
    this.v2Doc ??= JSON.stringify(openApiV2Document(this.registry.all(), VERSION_INFO.gitVersion));
    return this.v2Doc;
  }

  root(): JsonObject {
    if (this.index) return this.index;
    const gvs: { group: string; version: string; hash: string }[] = [];
    for (const g of this.registry.groups()) {
      for (const version of g.versions) {
        const path = g.name === '' ? `api/${version}` : `apis/${g.name}/${version}`;
        const d = this.document(path);
        if (d) gvs.push({ group: g.name, version, hash: d.hash });
      }
    }
    this.index = openApiV3Index(gvs) as unknown as JsonObject;
    return this.index;
  }
}

function parseGvPath(path: string): { group: string; version: string } | undefined {
  const p = path.split('/');
  if (p[0] === 'api' && p.length === 2) return { group: '', version: p[1] };
  if (p[0] === 'apis' && p.length === 3) return { group: p[1], version: p[2] };
  return undefined;
}
