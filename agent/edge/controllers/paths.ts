/** API paths of the objects the site controllers write. */
import { resourcePath } from '../../../client/client.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };
const SERVICES = { group: '', version: 'v1', resource: 'services' };
const REPLICASETS = { group: 'apps', version: 'v1', resource: 'replicasets' };
const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' };
const JOBS = { group: 'batch', version: 'v1', resource: 'jobs' };

export function podsPath(namespace: string, name?: string): string {
  return resourcePath(PODS, namespace, name);
}

export function replicaSetsPath(namespace: string, name?: string): string {
  return resourcePath(REPLICASETS, namespace, name);
}

export function deploymentPath(namespace: string, name: string): string {
  return resourcePath(DEPLOYMENTS, namespace, name);
}

export function jobPath(namespace: string, name: string): string {
  return resourcePath(JOBS, namespace, name);
}

export function servicePath(namespace: string, name: string): string {
  return resourcePath(SERVICES, namespace, name);
}
