/** Where a walker stands: the set path, and the field-name path the list resolver is asked about. */
import { field, type Path, type PathElement } from './path.js';
import type { ListType, ListTypeResolver } from '../../api/kubernetes.js';

export interface Position {
  readonly path: Path;
  readonly fieldPath: readonly string[];
  readonly listType: ListTypeResolver;
}

export const root = (listType: ListTypeResolver): Position => ({ path: [], fieldPath: [], listType });

export const intoField = (at: Position, name: string): Position => ({
  ...at,
  path: [...at.path, field(name)],
  fieldPath: [...at.fieldPath, name],
});

/** List positions are not part of the resolver's path. */
export const intoItem = (at: Position, pe: PathElement): Position => ({ ...at, path: [...at.path, pe] });

/** The list's merge type when it merges item by item; undefined for atomic lists. */
export function granularList(at: Position): ListType | undefined {
  const lt = at.listType(at.fieldPath);
  return lt && lt.type !== 'atomic' ? lt : undefined;
}
