/** Kubernetes field-path notation (`spec.items[0].name`), shared by pruning, validation and CRD checks. */

export function childPath(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** `properties[spec]`-style map key, as field.Path.Key renders it. */
export function keyPath(parent: string, key: string): string {
  return `${parent}[${key}]`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
