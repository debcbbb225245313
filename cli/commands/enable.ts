/**
 * `edgefed enable <type>`: kubefedctl enable. Resolves the target type through discovery, creates (or
 * updates) its Federated CRD and then its FederatedTypeConfig.
 */
import type { Command } from 'commander';
import type { KubeObject } from '../../api/kubernetes.js';
import {
  federatedCrdFor,
  federatedTypeConfigFor,
  federatedTypeFor,
  groupQualifiedName,
  knownFederatedShortNames,
} from '../../controllers/federation/crd-gen.js';
import { FEDERATED_GROUP, HUB_NAMESPACE, type FederatedTypeConfig } from '../../api/federation.js';
import { HubClient, typeRefOf, type ApiResource } from './hub-client.js';
import { toYamlDocs } from './yaml.js';

export const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
export const FTC_PATH = `/apis/core.kubefed.io/v1beta1/namespaces/${HUB_NAMESPACE}/federatedtypeconfigs`;

export interface EnablePlan {
  target: ApiResource;
  crd: KubeObject;
  ftc: FederatedTypeConfig;
}

/**
 * The Federated type's short names: edgefed's well-known ones plus `f` + each of the target's short
 * names (kubefedctl's rule), minus any name another served resource already answers to.
 */
export function federatedShortNames(target: ApiResource, all: ApiResource[]): string[] {
  const ref = typeRefOf(target);
  const fed = federatedTypeFor(ref);
  const taken = new Set<string>();
  for (const r of all) {
    if (r.group === FEDERATED_GROUP && r.name === fed.pluralName) continue;
    taken.add(r.name);
    taken.add(r.singularName);
    taken.add(r.kind.toLowerCase());
    for (const s of r.shortNames) taken.add(s);
  }
  const wanted = [...knownFederatedShortNames(ref), ...target.shortNames.map((s) => `f${s}`)];
  return [...new Set(wanted)].filter((s) => !taken.has(s) && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(s));
}

export async function planEnable(client: HubClient, typeArg: string): Promise<EnablePlan> {
  const target = await client.resolveType(typeArg);
  if (target.group === FEDERATED_GROUP) {
    throw new Error(
      `${target.name}.${target.group} is already a federated type; enable its target type instead`,
    );
  }
  const ref = typeRefOf(target);
  const shortNames = federatedShortNames(target, await client.resources());
  return { target, crd: federatedCrdFor(ref, { shortNames }), ftc: federatedTypeConfigFor(ref) };
}

async function ensureHubNamespace(client: HubClient, out: (line: string) => void): Promise<void> {
  if (await client.getOptional(`/api/v1/namespaces/${HUB_NAMESPACE}`)) return;
  await client.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: HUB_NAMESPACE },
  });
  out(`namespace/${HUB_NAMESPACE} created`);
}

/** Creates or updates the CRD, then the FTC, printing one kubectl-style line per object. */
export async function applyEnable(
  client: HubClient,
  plan: EnablePlan,
  out: (line: string) => void,
): Promise<void> {
  const { crd, ftc } = plan;
  const crdName = String(crd.metadata.name);
  const ftcName = String(ftc.metadata.name);

  // Like kubefedctl: another FTC must not already own this Federated CRD.
  const ftcs = await client.getOptional<{ items: FederatedTypeConfig[] }>(FTC_PATH);
  if (!ftcs) {
    throw new Error(
      'the hub does not serve core.kubefed.io FederatedTypeConfigs (are the edgefed CRDs installed?)',
    );
  }
  for (const other of ftcs.items ?? []) {
    const fed = other.spec?.federatedType;
    if (other.metadata.name === ftcName || !fed) continue;
    if (`${fed.pluralName}.${fed.group}` === crdName) {
      throw new Error(
        `cannot enable ${ftcName}: FederatedTypeConfig ${other.metadata.name} already uses the federated type ${crdName}`,
      );
    }
  }
  const existingFtc = ftcs.items?.find((f) => f.metadata.name === ftcName);
  const existingFed = existingFtc?.spec?.federatedType;
  if (existingFed && `${existingFed.pluralName}.${existingFed.group}` !== crdName) {
    throw new Error(
      `federation of ${ftcName} is already enabled with federated type ${existingFed.pluralName}.${existingFed.group}; ` +
        `changing it to ${crdName} is not supported`,
    );
  }

  const existingCrd = await client.getOptional<KubeObject>(`${CRD_PATH}/${crdName}`);
  if (!existingCrd) {
    await client.request('POST', CRD_PATH, crd);
    out(`customresourcedefinition.apiextensions.k8s.io/${crdName} created`);
  } else {
    await client.request('PUT', `${CRD_PATH}/${crdName}`, {
      ...crd,
      metadata: {
        ...existingCrd.metadata,
        labels: { ...existingCrd.metadata.labels, ...crd.metadata.labels },
        annotations: { ...existingCrd.metadata.annotations, ...crd.metadata.annotations },
      },
    });
    out(`customresourcedefinition.apiextensions.k8s.io/${crdName} configured`);
  }
  await waitEstablished(client, crdName);

  await ensureHubNamespace(client, out);
  if (!existingFtc) {
    await client.request('POST', FTC_PATH, ftc);
    out(`federatedtypeconfig.core.kubefed.io/${ftcName} created in namespace ${HUB_NAMESPACE}`);
  } else {
    await client.request('PUT', `${FTC_PATH}/${ftcName}`, {
      ...ftc,
      metadata: existingFtc.metadata,
      ...(existingFtc.status ? { status: existingFtc.status } : {}),
    });
    out(`federatedtypeconfig.core.kubefed.io/${ftcName} configured in namespace ${HUB_NAMESPACE}`);
  }
}

async function waitEstablished(client: HubClient, crdName: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const crd = await client.getOptional<{ status?: { conditions?: { type: string; status: string }[] } }>(
      `${CRD_PATH}/${crdName}`,
    );
    const conds = crd?.status?.conditions ?? [];
    if (conds.some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (Date.now() > deadline)
      throw new Error(`CustomResourceDefinition ${crdName} was not established in time`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface ConnectionOptions {
  kubeconfig?: string;
  context?: string;
}

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig for the hub (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: the current context)');
}

export function registerEnable(program: Command): void {
  const cmd = program
    .command('enable')
    .description('Enable federation of an API type: create its Federated<Kind> CRD and FederatedTypeConfig.')
    .argument(
      '<type>',
      'the type to federate, as kubectl names it: plural, singular, kind or short name, ' +
        'optionally <plural>.<group> (e.g. deployments.apps, deploy, widgets.example.com)',
    )
    .option('--dry-run', 'print the CRD and FederatedTypeConfig as YAML instead of creating them')
    .option('-o, --output <format>', 'print the objects in this format instead of creating them (yaml)');
  addConnectionOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  edgefed enable deployments.apps\n' +
        '  edgefed enable widgets.example.com          # a CRD: federatedwidgets.types.kubefed.io\n' +
        '  edgefed enable cm --dry-run                 # print FederatedConfigMap CRD + FTC\n',
    )
    .action(async (typeArg: string, o: ConnectionOptions & { dryRun?: boolean; output?: string }) => {
      if (o.output !== undefined && o.output !== 'yaml') {
        throw new Error(`--output: unsupported format "${o.output}" (supported: yaml)`);
      }
      const client = await HubClient.load(o.kubeconfig, o.context);
      const plan = await planEnable(client, typeArg);
      if (o.dryRun || o.output === 'yaml') {
        process.stdout.write(toYamlDocs([plan.crd, plan.ftc]));
        return;
      }
      await applyEnable(client, plan, (line) => process.stdout.write(line + '\n'));
      const name = groupQualifiedName(typeRefOf(plan.target));
      process.stdout.write(
        `federation of ${name} is enabled: create ${String((plan.crd.spec as { names: { kind: string } }).names.kind)} objects, ` +
          `or \`edgefed federate ${name} <name>\`\n`,
      );
    });
}
