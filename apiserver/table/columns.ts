/** metav1.TableColumnDefinition as it goes over the wire: every field always present. */
export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** metav1.ObjectMeta{}.SwaggerDoc() entries the printers use. */
export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
export const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export function column(
  name: string,
  type: string,
  description: string,
  priority = 0,
  format = '',
): ColumnDefinition {
  return { name, type, format, description, priority };
}

export const nameColumn = (priority = 0): ColumnDefinition =>
  column('Name', 'string', NAME_DESCRIPTION, priority, 'name');
/** Built-in printers send ages as preformatted strings. */
export const ageColumn = (): ColumnDefinition => column('Age', 'string', CREATION_TIMESTAMP_DESCRIPTION);
export const createdAtColumn = (): ColumnDefinition =>
  column('Created At', 'date', CREATION_TIMESTAMP_DESCRIPTION);
export const containersColumn = (): ColumnDefinition =>
  column('Containers', 'string', 'Names of each container in the template.', 1);
export const imagesColumn = (): ColumnDefinition =>
  column('Images', 'string', 'Images referenced by each container in the template.', 1);
