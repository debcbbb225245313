/** Fetches the ConfigMaps and Secrets a pod's env and volumes reference (kubelet's configmap/secret managers). */
import type { KubeClient } from '../../../client/client.js';
import { referencedObjects, type ObjectLookups } from './env.js';
import type { ConfigMap, Pod, Secret } from '../../../api/core.js';

/** Each referenced object, or undefined where it does not exist (the caller decides what that means). */
export async function fetchLookups(client: KubeClient, pod: Pod): Promise<ObjectLookups> {
  const ns = encodeURIComponent(pod.metadata.namespace ?? '');
  const refs = referencedObjects(pod);
  const configMaps = new Map<string, ConfigMap | undefined>();
  const secrets = new Map<string, Secret | undefined>();
  await Promise.all([
    ...[...refs.configMaps].map(async (n) =>
      configMaps.set(
        n,
        await client.getIfExists<ConfigMap>(`/api/v1/namespaces/${ns}/configmaps/${encodeURIComponent(n)}`),
      ),
    ),
    ...[...refs.secrets].map(async (n) =>
      secrets.set(
        n,
        await client.getIfExists<Secret>(`/api/v1/namespaces/${ns}/secrets/${encodeURIComponent(n)}`),
      ),
    ),
  ]);
  return { configMaps, secrets };
}
