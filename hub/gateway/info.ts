/**
 * Where agents join an in-cluster hub: the gateway publishes its URL and CA in the host ConfigMap
 * kube-federation-system/edgefed-gateway (as kubeadm publishes cluster-info), so
 * `edgefed token create --print-join-command` with the host kubeconfig prints the gateway's URL
 * and CA hash rather than the host API's.
 */
import type { KubeClient } from '../../client/client.js';
import { isAlreadyExists } from '../../client/errors.js';
import { HUB_NAMESPACE } from '../../api/federation.js';

export const GATEWAY_INFO_CONFIGMAP = 'edgefed-gateway';
const CONFIGMAPS = `/api/v1/namespaces/${HUB_NAMESPACE}/configmaps`;

export interface GatewayInfo {
  /** https://host:port agents dial. */
  server: string;
  /** The gateway CA (PEM). */
  ca: string;
}

interface ConfigMap {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

/** Creates or updates the ConfigMap (only when it says something else). */
export async function publishGatewayInfo(client: KubeClient, info: GatewayInfo): Promise<void> {
  const data = { server: info.server, 'ca.crt': info.ca };
  const path = `${CONFIGMAPS}/${GATEWAY_INFO_CONFIGMAP}`;
  for (let attempt = 1; ; attempt++) {
    const cur = await client.getIfExists<ConfigMap>(path);
    try {
      if (!cur) {
        await client.create(CONFIGMAPS, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: GATEWAY_INFO_CONFIGMAP, namespace: HUB_NAMESPACE },
          data,
        });
      } else if (cur.data?.server !== data.server || cur.data?.['ca.crt'] !== data['ca.crt']) {
        await client.update(path, { ...cur, data: { ...cur.data, ...data } });
      }
      return;
    } catch (e) {
      if (attempt >= 3 || !(isAlreadyExists(e) || (e as { code?: number }).code === 409)) throw e;
    }
  }
}

/** The published gateway, if there is one (undefined also when it may not be read). */
export async function readGatewayInfo(client: KubeClient): Promise<GatewayInfo | undefined> {
  const cm = await client
    .getIfExists<ConfigMap>(`${CONFIGMAPS}/${GATEWAY_INFO_CONFIGMAP}`)
    .catch(() => undefined);
  const server = cm?.data?.server;
  const ca = cm?.data?.['ca.crt'];
  return server && ca ? { server, ca } : undefined;
}
