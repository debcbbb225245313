/**
 * `edgefed federate <type> <name>` / `edgefed federate -f FILE`: kubefedctl federate. Wraps existing
 * objects into their Federated form (template = the object minus server fields and status, placement =
 * every cluster) and creates them on the hub, or prints them with -o yaml.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import type { KubeObject } from '../../api/kubernetes.js';
import { federatedTypeFor } from '../../controllers/federation/crd-gen.js';
import { federatedObjectFrom } from '../../controllers/federation/federate.js';
import { FEDERATED_GROUP, type Placement, type TypeRef } from '../../api/federation.js';
import { addConnectionOptions, applyEnable, planEnable, type ConnectionOptions } from './enable.js';
import { HubApiError, HubClient, resourcePath, typeRefOf, type ApiResource } from './hub-client.js';
import { toYamlDocs } from './yaml.js';

interface FederateCliOptions extends ConnectionOptions {
  namespace?: string;
  filename?: string;
  output?: string;
  placementAll?: boolean;
  clusters?: string;
  enableType?: boolean;
}

/** Objects in a YAML/JSON file (multi-document; `List` kinds are flattened); `-` reads stdin. */
export function readObjects(file: string): KubeObject[] {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  const out: KubeObject[] = [];
  const add = (doc: unknown) => {
    if (doc === null || doc === undefined) return;
    const o = doc as KubeObject;
    if (typeof o !== 'object' || Array.isArray(o)) throw new Error(`${file}: a document is not an object`);
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      for (const item of o.items) add(item);
      return;
    }
    if (!o.apiVersion || !o.kind || !o.metadata?.name) {
      throw new Error(`${file}: every object needs apiVersion, kind and metadata.name`);
    }
    out.push(o);
  };
  for (const doc of yaml.loadAll(text)) add(doc);
  return out;
}

/** kubefedctl's fallback for -f without a hub: guess the plural from the kind. */
function guessTypeRef(obj: KubeObject): TypeRef {
  const [group, version] = String(obj.apiVersion).includes('/')
    ? String(obj.apiVersion).split('/')
    : ['', String(obj.apiVersion)];
  const k = String(obj.kind).toLowerCase();
  const plural = /(s|x|z|ch|sh)$/.test(k)
    ? `${k}es`
    : /[^aeiou]y$/.test(k)
      ? `${k.slice(0, -1)}ies`
      : `${k}s`;
  return {
    ...(group ? { group } : {}),
    version,
    kind: String(obj.kind),
    pluralName: plural,
    scope: !group && obj.kind === 'Namespace' ? 'Cluster' : 'Namespaced',
  };
}

function placementFrom(o: FederateCliOptions): Placement {
  if (o.clusters !== undefined && o.placementAll) {
    throw new Error('--clusters and --placement-all cannot be used together');
  }
  if (o.clusters !== undefined) {
    const names = o.clusters
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return { clusters: names.map((name) => ({ name })) };
  }
  return { clusterSelector: {} };
}

export function registerFederate(program: Command): void {
  const cmd = program
    .command('federate')
    .description('Create the Federated<Kind> object for an existing hub object (or the objects in a file).')
    .argument('[type]', "the object's type, as kubectl names it (e.g. configmap, cm, deployments.apps)")
    .argument('[name]', "the object's name")
    .option('-n, --namespace <ns>', 'namespace of the object (namespaced types)', 'default')
    .option('-f, --filename <file>', 'federate the objects in this YAML file instead (- for stdin)')
    .option(
      '-o, --output <format>',
      'print the federated objects in this format instead of creating them (yaml)',
    )
    .option(
      '--placement-all',
      'place on every member cluster: clusterSelector: {} (the default, as in kubefed)',
    )
    .option('--clusters <names>', 'place on these member clusters only (comma-separated)')
    .option('-e, --enable-type', 'enable federation of the type first if it is not enabled');
  addConnectionOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  edgefed federate configmap my-cm -n my-ns\n' +
        '  edgefed federate deploy web -n shop -o yaml > federated-web.yaml\n' +
        '  edgefed federate -f app.yaml -o yaml\n',
    )
    .action(async (typeArg: string | undefined, name: string | undefined, o: FederateCliOptions) => {
      if (o.output !== undefined && o.output !== 'yaml') {
        throw new Error(`--output: unsupported format "${o.output}" (supported: yaml)`);
      }
      const printOnly = o.output === 'yaml';
      const placement = placementFrom(o);
      if (o.enableType && printOnly) throw new Error('--enable-type cannot be used with --output');

      const pairs: { target: TypeRef; obj: KubeObject }[] = [];
      let client: HubClient | undefined;
      if (o.filename) {
        if (typeArg || name) throw new Error('--filename takes no <type> or <name> arguments');
        const objects = readObjects(o.filename);
        if (objects.length === 0) throw new Error(`${o.filename}: no objects`);
        try {
          client = await HubClient.load(o.kubeconfig, o.context);
        } catch (e) {
          if (!printOnly) throw e;
        }
        for (const obj of objects) {
          let resource: ApiResource | undefined;
          try {
            resource = client
              ? await client.resourceForKind(String(obj.apiVersion), String(obj.kind))
              : undefined;
          } catch (e) {
            if (!printOnly) throw e;
            client = undefined;
          }
          if (!resource && !printOnly) {
            throw new Error(`the hub serves no ${String(obj.kind)} in ${String(obj.apiVersion)}`);
          }
          pairs.push({ target: resource ? typeRefOf(resource) : guessTypeRef(obj), obj });
        }
      } else {
        if (!typeArg || !name) throw new Error('<type> and <name> are required (or use --filename)');
        client = await HubClient.load(o.kubeconfig, o.context);
        const resource = await client.resolveType(typeArg);
        const target = typeRefOf(resource);
        if (resource.group === FEDERATED_GROUP)
          throw new Error(`${resource.kind} is already a federated type`);
        const ns = resource.namespaced ? o.namespace : undefined;
        let obj: KubeObject;
        try {
          obj = await client.request<KubeObject>('GET', resourcePath(target, ns, name));
        } catch (e) {
          if (e instanceof HubApiError && e.status === 404) {
            throw new Error(`${resource.kind} "${name}" not found${ns ? ` in namespace ${ns}` : ''}`);
          }
          throw e;
        }
        pairs.push({ target, obj });
      }

      const federated = pairs.map(({ target, obj }) =>
        federatedObjectFrom(target, obj, { placement, namespace: o.namespace }),
      );
      if (printOnly) {
        process.stdout.write(toYamlDocs(federated));
        return;
      }
      if (!client) throw new Error('no hub connection');
      for (let i = 0; i < pairs.length; i++) {
        const fed = federatedTypeFor(pairs[i].target);
        const served = async () =>
          (await client.resources(true)).some((r) => r.group === fed.group && r.name === fed.pluralName);
        if (!(await served())) {
          const qualified = pairs[i].target.group
            ? `${pairs[i].target.pluralName}.${pairs[i].target.group}`
            : pairs[i].target.pluralName;
          if (!o.enableType) {
            throw new Error(
              `federation of ${qualified} is not enabled; run \`edgefed enable ${qualified}\` or pass --enable-type`,
            );
          }
          await applyEnable(client, await planEnable(client, qualified), (l) =>
            process.stdout.write(l + '\n'),
          );
        }
        const obj = federated[i];
        try {
          await client.request('POST', resourcePath(fed, obj.metadata.namespace), obj);
        } catch (e) {
          if (e instanceof HubApiError && e.status === 409) {
            throw new Error(
              `${fed.kind} "${obj.metadata.name}"${obj.metadata.namespace ? ` in namespace ${obj.metadata.namespace}` : ''} already exists`,
            );
          }
          throw e;
        }
        process.stdout.write(`${fed.kind.toLowerCase()}.${fed.group}/${obj.metadata.name} created\n`);
      }
    });
}
