/**
 * Fields of metav1.ObjectMeta (and of the structs nested in it) that the server keeps; anything else
 * under metadata is dropped as unknown, as decoding into the typed ObjectMeta does in Kubernetes.
 */
export const OBJECT_META_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/** Known fields of the list-valued ObjectMeta members whose items are structs. */
export const OBJECT_META_LIST_ITEM_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  ownerReferences: new Set(['apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion']),
  managedFields: new Set([
    'manager',
    'operation',
    'apiVersion',
    'time',
    'fieldsType',
    'fieldsV1',
    'subresource',
  ]),
};
