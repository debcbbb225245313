import type { KubeObject } from '../../api/kubernetes.js';
import { at, list, obj, str } from './access.js';
import { ageColumn, column, createdAtColumn, nameColumn } from './columns.js';
import { parseRfc3339, translateTimestampSince } from './duration.js';
import { loadBalancerAddresses, type Printer } from './printer.js';

const age = (o: KubeObject, now: number): string =>
  translateTimestampSince(o.metadata.creationTimestamp, now);
const name = (o: KubeObject): string => o.metadata.name ?? '';

/** Go's time.Time.UTC().Format(time.RFC3339): second precision; zero time when unset. */
function rfc3339(ts: string | undefined): string {
  const t = ts ? parseRfc3339(ts) : undefined;
  if (t === undefined) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** rest.NewDefaultTableConvertor: kinds without a dedicated printer. */
export const defaultPrinter: Printer = {
  columns: [nameColumn(), createdAtColumn()],
  print: (o) => ({ cells: [name(o), rfc3339(o.metadata.creationTimestamp)] }),
};

/** ClusterRole, Role and CustomResourceDefinition print like the default convertor. */
export const createdAtPrinter = defaultPrinter;

function ingressHosts(o: KubeObject): string {
  const rules = list(at(o, 'spec', 'rules'));
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const r of rules) {
    if (hosts.length === max) more = true;
    const host = str(at(r, 'host'));
    if (!more && host) hosts.push(host);
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${rules.length - max} more...` : hosts.join(',');
}

export const ingressPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Class', 'string', 'The name of the IngressClass cluster resource.'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  print(o, now) {
    return {
      cells: [
        name(o),
        str(at(o, 'spec', 'ingressClassName')) || '<none>',
        ingressHosts(o),
        loadBalancerAddresses(at(o, 'status', 'loadBalancer')),
        list(at(o, 'spec', 'tls')).length ? '80, 443' : '80',
        age(o, now),
      ],
    };
  },
};

export const leasePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'),
    ageColumn(),
  ],
  print: (o, now) => ({ cells: [name(o), str(at(o, 'spec', 'holderIdentity')), age(o, now)] }),
};

/** rbac SubjectsStrings: users, groups and "namespace/name" service accounts. */
function subjects(o: KubeObject): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of list(o.subjects)) {
    const so = obj(s);
    if (so.kind === 'User') users.push(str(so.name));
    else if (so.kind === 'Group') groups.push(str(so.name));
    else if (so.kind === 'ServiceAccount') sas.push(`${str(so.namespace)}/${str(so.name)}`);
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

export const roleBindingPrinter: Printer = {
  columns: [
    nameColumn(),
    column(
      'Role',
      'string',
      'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.',
    ),
    ageColumn(),
    column('Users', 'string', 'Users in the roleBinding', 1),
    column('Groups', 'string', 'Groups in the roleBinding', 1),
    column('ServiceAccounts', 'string', 'ServiceAccounts in the roleBinding', 1),
  ],
  print(o, now) {
    const ref = obj(o.roleRef);
    return { cells: [name(o), `${str(ref.kind)}/${str(ref.name)}`, age(o, now), ...subjects(o)] };
  },
};
