import type { JsonObject } from '../../api/kubernetes.js';
import type { ResourceInfo } from '../registry/resource-info.js';
import { DELETE_OPTIONS, PATCH, STATUS, ref } from './openapi-meta.js';
import { groupVersionPath, operationPrefix } from './openapi-names.js';

export interface PathTarget {
  info: ResourceInfo;
  version: string;
  /** components.schemas names of the kind and its list. */
  kindSchema: string;
  listSchema: string;
  hasStatus: boolean;
}

type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';

const query = (name: string, description: string, type = 'string'): JsonObject => ({
  name,
  in: 'query',
  description,
  schema: { type, uniqueItems: true },
});

const PRETTY = query(
  'pretty',
  "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
);
const DRY_RUN = query(
  'dryRun',
  'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
);
const FIELD_MANAGER = query(
  'fieldManager',
  'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
);
const FIELD_VALIDATION = query(
  'fieldValidation',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn (the default) - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present.',
);
const FORCE = query(
  'force',
  'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
  'boolean',
);
const LIST_PARAMS: JsonObject[] = [
  query('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK".', 'boolean'),
  query('continue', 'The continue option should be set when retrieving more results from the server.'),
  query(
    'fieldSelector',
    'A selector to restrict the list of returned objects by their fields. Defaults to everything.',
  ),
  query(
    'labelSelector',
    'A selector to restrict the list of returned objects by their labels. Defaults to everything.',
  ),
  query('limit', 'limit is a maximum number of responses to return for a list call.', 'integer'),
  query(
    'resourceVersion',
    'resourceVersion sets a constraint on what resource versions a request may be served from.',
  ),
  query(
    'resourceVersionMatch',
    'resourceVersionMatch determines how resourceVersion is applied to list calls.',
  ),
  query('sendInitialEvents', 'sendInitialEvents=true may be set together with watch=true.', 'boolean'),
  query('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
  query(
    'watch',
    'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.',
    'boolean',
  ),
];
const DELETE_PARAMS: JsonObject[] = [
  DRY_RUN,
  query('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', 'integer'),
  query(
    'ignoreStoreReadErrorWithClusterBreakingPotential',
    'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.',
    'boolean',
  ),
  query('orphanDependents', 'Deprecated: please use the PropagationPolicy.', 'boolean'),
  query(
    'propagationPolicy',
    "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'.",
  ),
];

const pathParam = (name: string, description: string): JsonObject => ({
  name,
  in: 'path',
  description,
  required: true,
  schema: { type: 'string', uniqueItems: true },
});

const json = (schema: JsonObject): JsonObject => ({
  'application/json': { schema },
  'application/yaml': { schema },
});

const response = (description: string, schema: JsonObject): JsonObject => ({
  description,
  content: json(schema),
});

/** Paths for one resource in one version: collection, item, all-namespaces list and /status. */
export function resourcePaths(target: PathTarget): Record<string, JsonObject> {
  const { info, version } = target;
  const base = `/${groupVersionPath(info.group, version)}`;
  const ns = info.namespaced ? '/namespaces/{namespace}' : '';
  const scope = info.namespaced ? 'Namespaced' : '';
  const nsParams = info.namespaced
    ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')]
    : [];
  const nameParam = pathParam('name', `name of the ${info.kind}`);
  const paths: Record<string, JsonObject> = {};
  const op = (action: Action, id: string, subresource = '') => operation(target, action, id, subresource);
  const prefix = operationPrefix(info.group, version);

  paths[`${base}${ns}/${info.resource}`] = {
    get: op('list', `list${prefix}${scope}${info.kind}`),
    post: op('post', `create${prefix}${scope}${info.kind}`),
    delete: op('deletecollection', `deleteCollection${prefix}${scope}${info.kind}`),
    parameters: [...nsParams, PRETTY],
  };
  paths[`${base}${ns}/${info.resource}/{name}`] = {
    get: op('get', `read${prefix}${scope}${info.kind}`),
    put: op('put', `replace${prefix}${scope}${info.kind}`),
    patch: op('patch', `patch${prefix}${scope}${info.kind}`),
    delete: op('delete', `delete${prefix}${scope}${info.kind}`),
    parameters: [nameParam, ...nsParams, PRETTY],
  };
  if (info.namespaced) {
    paths[`${base}/${info.resource}`] = {
      get: op('list', `list${prefix}${info.kind}ForAllNamespaces`),
      parameters: [PRETTY],
    };
  }
  if (target.hasStatus) {
    paths[`${base}${ns}/${info.resource}/{name}/status`] = {
      get: op('get', `read${prefix}${scope}${info.kind}Status`, 'status'),
      put: op('put', `replace${prefix}${scope}${info.kind}Status`, 'status'),
      patch: op('patch', `patch${prefix}${scope}${info.kind}Status`, 'status'),
      parameters: [nameParam, ...nsParams, PRETTY],
    };
  }
  return paths;
}

function operation(target: PathTarget, action: Action, operationId: string, subresource: string): JsonObject {
  const { info, version, kindSchema, listSchema } = target;
  const object = ref(kindSchema);
  const what = subresource ? `${subresource} of the specified ${info.kind}` : `the specified ${info.kind}`;
  const op: JsonObject = {
    tags: [operationPrefix(info.group, version).replace(/^./, (c) => c.toLowerCase())],
    operationId,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: info.group, version, kind: info.kind },
  };
  switch (action) {
    case 'list':
      op.description = `list or watch objects of kind ${info.kind}`;
      op.parameters = LIST_PARAMS;
      op.responses = { '200': response('OK', ref(listSchema)), '401': { description: 'Unauthorized' } };
      break;
    case 'get':
      op.description = `read ${what}`;
      op.responses = { '200': response('OK', object), '401': { description: 'Unauthorized' } };
      break;
    case 'post':
      op.description = `create a ${info.kind}`;
      op.parameters = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
      op.requestBody = { content: { '*/*': { schema: object } }, required: true };
      op.responses = {
        '200': response('OK', object),
        '201': response('Created', object),
        '202': response('Accepted', object),
        '401': { description: 'Unauthorized' },
      };
      break;
    case 'put':
      op.description = `replace ${what}`;
      op.parameters = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
      op.requestBody = { content: { '*/*': { schema: object } }, required: true };
      op.responses = {
        '200': response('OK', object),
        '201': response('Created', object),
        '401': { description: 'Unauthorized' },
      };
      break;
    case 'patch':
      op.description = `partially update ${what}`;
      op.parameters = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE];
      op.requestBody = { content: patchContent(info.builtin), required: true };
      op.responses = {
        '200': response('OK', object),
        '201': response('Created', object),
        '401': { description: 'Unauthorized' },
      };
      break;
    case 'delete':
      op.description = `delete a ${info.kind}`;
      op.parameters = DELETE_PARAMS;
      op.requestBody = { content: { '*/*': { schema: ref(DELETE_OPTIONS) } } };
      op.responses = {
        '200': response('OK', ref(STATUS)),
        '202': response('Accepted', ref(STATUS)),
        '401': { description: 'Unauthorized' },
      };
      break;
    case 'deletecollection':
      op.description = `delete collection of ${info.kind}`;
      op.parameters = [
        ...DELETE_PARAMS,
        ...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'),
      ];
      op.requestBody = { content: { '*/*': { schema: ref(DELETE_OPTIONS) } } };
      op.responses = { '200': response('OK', ref(STATUS)), '401': { description: 'Unauthorized' } };
      break;
  }
  return op;
}

/** Custom resources do not accept strategic merge patch, so kube-apiserver leaves it out for them. */
function patchContent(builtin: boolean): JsonObject {
  const types = [
    'application/apply-patch+yaml',
    'application/json-patch+json',
    'application/merge-patch+json',
  ];
  if (builtin) types.push('application/strategic-merge-patch+json');
  return Object.fromEntries(types.map((t) => [t, { schema: ref(PATCH) }]));
}
