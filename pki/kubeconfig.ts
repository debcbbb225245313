import yaml from 'js-yaml';
import { writeFileSync } from 'node:fs';

export interface KubeconfigSpec {
  server: string;
  caCert: string;
  clusterName: string;
  userName: string;
  clientCert?: string;
  clientKey?: string;
  token?: string;
  namespace?: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A kubeconfig with everything embedded, so it works when copied elsewhere. */
export function renderKubeconfig(s: KubeconfigSpec): string {
  const user: Record<string, string> = {};
  if (s.clientCert) user['client-certificate-data'] = b64(s.clientCert);
  if (s.clientKey) user['client-key-data'] = b64(s.clientKey);
  if (s.token) user.token = s.token;
  const context: Record<string, string> = { cluster: s.clusterName, user: s.userName };
  if (s.namespace) context.namespace = s.namespace;
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: s.clusterName, cluster: { server: s.server, 'certificate-authority-data': b64(s.caCert) } },
    ],
    users: [{ name: s.userName, user }],
    contexts: [{ name: s.clusterName, context }],
    'current-context': s.clusterName,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, s: KubeconfigSpec): void {
  writeFileSync(path, renderKubeconfig(s), { mode: 0o600 });
}
