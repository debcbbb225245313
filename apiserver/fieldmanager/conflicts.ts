/** The 409 Kubernetes returns for apply conflicts (apimachinery's internal/conflict.go). */
import { ApiError } from '../errors.js';
import type { StatusCause } from '../../api/kubernetes.js';
import type { FieldConflict } from './options.js';

/**
 * printManager: appliers by name, updaters with the version they wrote in. Without an operation
 * the conflict is worded as an updater's, which names the most.
 */
function printManager(c: FieldConflict): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
  return c.operation === 'Apply' ? s : `${s} using ${c.apiVersion}`;
}

const identity = (c: FieldConflict): string =>
  JSON.stringify([
    c.manager,
    c.operation ?? 'Update',
    c.operation === 'Apply' ? '' : c.apiVersion,
    c.subresource ?? '',
  ]);

function conflictMessage(conflicts: FieldConflict[]): string {
  if (conflicts.length === 1) {
    return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0])}: ${conflicts[0].field}`;
  }
  const byManager = new Map<string, FieldConflict[]>();
  for (const c of conflicts) byManager.set(identity(c), [...(byManager.get(identity(c)) ?? []), c]);
  const lines: string[] = [];
  for (const id of [...byManager.keys()].sort()) {
    const group = byManager.get(id) as FieldConflict[];
    lines.push(`conflicts with ${printManager(group[0])}:`, ...group.map((c) => `- ${c.field}`));
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

export function conflictError(
  conflicts: FieldConflict[],
  resource: string,
  group: string,
  name: string,
): ApiError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c)}`,
    field: c.field,
  }));
  // Kubernetes sends only the causes; naming the object too costs clients nothing.
  return new ApiError(409, 'Conflict', conflictMessage(conflicts), { name, group, kind: resource, causes });
}
