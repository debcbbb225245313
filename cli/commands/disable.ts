/**
 * `edgefed disable <type>`: kubefedctl disable. Sets the type's FederatedTypeConfig propagation to
 * Disabled; with --delete, deletes the FederatedTypeConfig and the Federated CRD.
 */
import type { Command } from 'commander';
import type { FederatedTypeConfig } from '../../api/federation.js';
import { HUB_NAMESPACE } from '../../api/federation.js';
import { CRD_PATH, FTC_PATH, addConnectionOptions, type ConnectionOptions } from './enable.js';
import { HubClient, matchResources, type ApiResource } from './hub-client.js';
import { groupQualifiedName } from '../../controllers/federation/crd-gen.js';

/**
 * Finds the FTC for a type argument: by FTC name, target plural/kind/`plural.group`, federated kind
 * or plural; failing that, through discovery (short names, singular names).
 */
export async function findTypeConfig(client: HubClient, typeArg: string): Promise<FederatedTypeConfig> {
  const list = await client.getOptional<{ items: FederatedTypeConfig[] }>(FTC_PATH);
  if (!list) {
    throw new Error(
      'the hub does not serve core.kubefed.io FederatedTypeConfigs (are the edgefed CRDs installed?)',
    );
  }
  const ftcs = list.items ?? [];
  const key = typeArg.trim().toLowerCase();
  const direct = ftcs.filter((f) => {
    const t = f.spec?.targetType;
    const fed = f.spec?.federatedType;
    return (
      f.metadata.name === key ||
      (t && (t.pluralName === key || t.kind.toLowerCase() === key || groupQualifiedName(t) === key)) ||
      (fed && (fed.pluralName === key || fed.kind.toLowerCase() === key))
    );
  });
  if (direct.length === 1) return direct[0];
  if (direct.length > 1) {
    throw new Error(
      `"${typeArg}" matches several FederatedTypeConfigs: ${direct.map((f) => f.metadata.name).join(', ')}`,
    );
  }
  let resolved: ApiResource[] = [];
  try {
    resolved = matchResources(await client.resources(), typeArg);
  } catch {
    resolved = [];
  }
  const names = new Set(resolved.map((r) => (r.group ? `${r.name}.${r.group}` : r.name)));
  const viaDiscovery = ftcs.filter((f) => names.has(f.metadata.name ?? ''));
  if (viaDiscovery.length === 1) return viaDiscovery[0];
  throw new Error(
    `no FederatedTypeConfig for "${typeArg}" in namespace ${HUB_NAMESPACE}` +
      (ftcs.length ? ` (enabled: ${ftcs.map((f) => f.metadata.name).join(', ')})` : ''),
  );
}

export function registerDisable(program: Command): void {
  const cmd = program
    .command('disable')
    .description("Disable federation of an API type: set its FederatedTypeConfig's propagation to Disabled.")
    .argument(
      '<type>',
      'the type, as given to `edgefed enable` (e.g. deployments.apps, deploy) or the FTC name',
    )
    .option(
      '--delete',
      'also delete the FederatedTypeConfig and the Federated<Kind> CRD (and with it every Federated<Kind> object)',
    );
  addConnectionOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  edgefed disable deployments.apps            # stop propagating; keep the objects\n' +
        '  edgefed disable widgets.example.com --delete\n',
    )
    .action(async (typeArg: string, o: ConnectionOptions & { delete?: boolean }) => {
      const client = await HubClient.load(o.kubeconfig, o.context);
      const ftc = await findTypeConfig(client, typeArg);
      const name = String(ftc.metadata.name);
      const fed = ftc.spec.federatedType;
      const out = (line: string) => process.stdout.write(line + '\n');
      if (ftc.spec.propagation !== 'Disabled') {
        await client.request(
          'PATCH',
          `${FTC_PATH}/${encodeURIComponent(name)}`,
          { spec: { propagation: 'Disabled' } },
          'application/merge-patch+json',
        );
        out(`federatedtypeconfig.core.kubefed.io/${name} propagation disabled`);
      } else {
        out(`federatedtypeconfig.core.kubefed.io/${name} propagation already disabled`);
      }
      if (!o.delete) return;
      await client.request('DELETE', `${FTC_PATH}/${encodeURIComponent(name)}`);
      out(`federatedtypeconfig.core.kubefed.io/${name} deleted`);
      if (fed?.pluralName && fed.group) {
        const crdName = `${fed.pluralName}.${fed.group}`;
        if (await client.getOptional(`${CRD_PATH}/${crdName}`)) {
          await client.request('DELETE', `${CRD_PATH}/${crdName}`);
          out(`customresourcedefinition.apiextensions.k8s.io/${crdName} deleted`);
        }
      }
    });
}
