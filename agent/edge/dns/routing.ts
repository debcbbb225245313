/**
 * Service routing for the site's bridge-networked pods: the cluster DNS (server.ts) and the
 * ClusterIP proxy (../proxy/cluster-proxy.ts) both listen on the podman bridge gateway — the
 * node's address every bridge container reaches, with no address of our own to add — and are
 * reached through the site's DNAT chain. The DNS has a ClusterIP of its own, the Service
 * kube-system/kube-dns (as in kube): several sites on one host share the gateway and port 53, but
 * each gets its own randomly allocated DNS address, so each site's pods ask their own site.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../../client/client.js';
import type { Informer } from '../../../client/informer.js';
import type { RuntimeLogger } from '../../../client/log.js';
import type { Endpoints } from '../controllers/endpoints/types.js';
import type { Service } from '../controllers/types.js';
import { ClusterIpProxy } from '../proxy/cluster-proxy.js';
import { ServiceChains, type Dnat } from '../proxy/iptables.js';
import { ClusterDnsServer } from './server.js';

export const DNS_NAMESPACE = 'kube-system';
export const DNS_SERVICE = 'kube-dns';
/** podman's default network (`podman network inspect podman`). */
export const PODMAN_GATEWAY = '10.88.0.1';
export const PODMAN_SUBNET = '10.88.0.0/16';
/** The API server's ClusterIP range (apiserver/kinds). */
export const SERVICE_CIDR = '10.96.0.0/12';

/** Creates kube-system/kube-dns when missing; returns its ClusterIP (the pods' nameserver). */
export async function ensureDnsService(kc: KubeConfig): Promise<string> {
  const client = new KubeClient(kc, { fieldManager: 'edgefed-site-dns' });
  const path = `/api/v1/namespaces/${DNS_NAMESPACE}/services`;
  let svc = await client.getIfExists<Service>(`${path}/${DNS_SERVICE}`);
  if (!svc) {
    if (!(await client.getIfExists(`/api/v1/namespaces/${DNS_NAMESPACE}`)))
      await client
        .create('/api/v1/namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: DNS_NAMESPACE },
        })
        .catch(() => undefined); // raced with another creator: it exists now
    svc = await client.create<Service>(path, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: DNS_SERVICE, namespace: DNS_NAMESPACE, labels: { 'k8s-app': 'kube-dns' } },
      spec: {
        type: 'ClusterIP',
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
      },
    });
  }
  const ip = svc.spec?.clusterIP as string | undefined;
  if (!ip || ip === 'None') throw new Error(`${DNS_NAMESPACE}/${DNS_SERVICE} has no ClusterIP`);
  return ip;
}

export interface SiteRoutingOptions {
  services: Informer<Service>;
  endpoints: Informer<Endpoints>;
  site: string;
  dnsIp: string;
  gateway?: string;
  log: RuntimeLogger;
}

export interface SiteRouting {
  dns: ClusterDnsServer;
  proxy: ClusterIpProxy;
  stop(): Promise<void>;
}

export function startSiteRouting(opts: SiteRoutingOptions): SiteRouting {
  const gateway = opts.gateway ?? PODMAN_GATEWAY;
  const chains = new ServiceChains({ site: opts.site, bridgeCidr: PODMAN_SUBNET, serviceCidr: SERVICE_CIDR });
  const dns = new ClusterDnsServer({
    services: opts.services,
    endpoints: opts.endpoints,
    host: gateway,
    port: 0,
    log: opts.log,
  });
  const dnsRules = (): Dnat[] =>
    dns.port
      ? (['udp', 'tcp'] as const).map((proto) => ({
          proto,
          ip: opts.dnsIp,
          port: 53,
          toIp: gateway,
          toPort: dns.port,
          comment: `${DNS_NAMESPACE}/${DNS_SERVICE}`,
        }))
      : [];
  const proxy = new ClusterIpProxy({
    services: opts.services,
    endpoints: opts.endpoints,
    host: gateway,
    chains,
    extraRules: dnsRules,
    skip: new Set([`${DNS_NAMESPACE}/${DNS_SERVICE}`]),
    log: opts.log,
  });
  proxy.start();
  dns.start().then(
    () => proxy.sync(),
    () => undefined, // stopped before binding
  );
  return {
    dns,
    proxy,
    async stop() {
      // Both, whatever one of them does: the chains must not outlive the agent.
      await Promise.allSettled([dns.stop(), proxy.stop()]);
    },
  };
}
