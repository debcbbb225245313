import type { KubeObject } from '../../api/kubernetes.js';
import { at, list, str } from './access.js';
import type { ColumnDefinition } from './columns.js';

/** metav1.TableRowCondition */
export interface RowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface PrintedRow {
  cells: unknown[];
  conditions?: RowCondition[];
}

/** One kind's table: the columns kube-apiserver declares and how a row is filled (always wide). */
export interface Printer {
  columns: ColumnDefinition[];
  print(obj: KubeObject, now: number): PrintedRow;
}

/** layoutContainerCells: comma-joined container names and images. */
export function containerCells(containers: unknown): [string, string] {
  const cs = list(containers);
  return [cs.map((c) => str(at(c, 'name'))).join(','), cs.map((c) => str(at(c, 'image'))).join(',')];
}

/** loadBalancerStatusStringer (wide): sorted, deduplicated IPs or hostnames. */
export function loadBalancerAddresses(status: unknown): string {
  const set = new Set<string>();
  for (const ing of list(at(status, 'ingress'))) {
    const ip = str(at(ing, 'ip'));
    const host = str(at(ing, 'hostname'));
    if (ip) set.add(ip);
    else if (host) set.add(host);
  }
  return [...set].sort().join(',');
}
