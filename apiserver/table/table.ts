import type { ResourceInfo } from '../registry/resource-info.js';
import type { JsonObject, KubeObject, PrinterColumn } from '../../api/kubernetes.js';
import { builtinPrinter } from './builtin-printers.js';
import { customPrinter } from './custom-columns.js';
import type { Printer } from './printer.js';

export { builtinColumns } from './builtin-printers.js';
export type { ColumnDefinition } from './columns.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** What each row carries besides its cells; kube-apiserver defaults to Metadata. */
  includeObject: IncludeObject;
  /** Milliseconds since the epoch that ages are measured against. */
  now: number;
  listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  /** TableOptions.noHeaders: columnDefinitions are sent empty. */
  omitHeaders?: boolean;
}

/** Parsed column paths per CRD version, reused until the CRD (and so its columns array) changes. */
const customPrinters = new WeakMap<readonly PrinterColumn[], Printer>();

function printerFor(info: ResourceInfo, version: string): Printer {
  if (info.builtin) return builtinPrinter(info.group, info.kind);
  const v =
    info.versions.find((x) => x.name === version) ??
    info.versions.find((x) => x.name === info.storageVersion);
  const columns = v?.printerColumns ?? [];
  let printer = customPrinters.get(columns);
  if (!printer) {
    printer = customPrinter(columns);
    customPrinters.set(columns, printer);
  }
  return printer;
}

function rowObject(obj: KubeObject, include: IncludeObject): JsonObject | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/** Table.metadata is a ListMeta whose fields are all omitempty. */
function tableMeta(opts: TableOptions, objects: KubeObject[]): JsonObject {
  const lm = opts.listMeta;
  const meta: JsonObject = {};
  // A single object's table carries that object's resourceVersion.
  const rv = lm ? lm.resourceVersion : objects.length === 1 ? objects[0].metadata.resourceVersion : undefined;
  if (rv) meta.resourceVersion = rv;
  if (lm?.continue) meta.continue = lm.continue;
  if (typeof lm?.remainingItemCount === 'number') meta.remainingItemCount = lm.remainingItemCount;
  return meta;
}

/**
 * The meta.k8s.io/v1 Table kube-apiserver returns for `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`:
 * built-in kinds with kube-apiserver's printer columns (wide ones at priority 1), custom
 * resources with the version's additionalPrinterColumns. Objects are expected in `version` already.
 */
export function buildTable(
  info: ResourceInfo,
  version: string,
  objects: KubeObject[],
  opts: TableOptions,
): JsonObject {
  const printer = printerFor(info, version);
  const rows = objects.map((obj) => {
    const printed = printer.print(obj, opts.now);
    const row: JsonObject = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions;
    const o = rowObject(obj, opts.includeObject);
    if (o) row.object = o;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: tableMeta(opts, objects),
    columnDefinitions: opts.omitHeaders ? [] : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}
