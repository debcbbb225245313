import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { engineEndpoint, openEngine } from '../../agent/edge/engine/select.js';
import { up } from '../up/demo.js';
import { createLogger } from '../logger.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description(
      'Run a hub with two demo edge sites (cluster1 in eu, cluster2 in us) in one process: what `npm start` runs.',
    )
    .option('--data-dir <dir>', 'state directory (hub in <dir>/hub, sites in <dir>/sites/<name>)', '.data')
    .option('--port <port>', 'hub HTTPS port (0 picks a free one)', port, 6443)
    .option(
      '--engine <endpoint>',
      'simulated (pods run without processes), or unix:///path/to/podman-or-docker.sock for real containers',
      'simulated',
    )
    .option(
      '--dns-port <port>',
      'multi-cluster DNS port, UDP and TCP (default 5353; 0 picks a free one)',
      port,
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'warn')
    .addHelpText(
      'after',
      '\nReal containers: podman system service --time=0 unix:///tmp/podman.sock &\n' +
        '                 edgefed up --engine unix:///tmp/podman.sock\n' +
        'Stopping (Ctrl-C) stops the hub and the agents; containers keep running, as at a real site.',
    )
    .action(
      async (o: { dataDir: string; port: number; engine: string; logLevel: string; dnsPort?: number }) => {
        const logger = createLogger(o.logLevel);
        const endpoint = engineEndpoint(o.engine);
        const probe = openEngine(endpoint);
        const info = await probe.info().finally(() => void probe.close());
        const dataDir = resolve(o.dataDir);
        process.stdout.write(`Starting edgefed: a hub and two edge sites (${info.name} ${info.version})\n`);
        const demo = await up({
          dataDir,
          port: o.port,
          logger,
          engine: () => openEngine(endpoint),
          engineName: info.name,
          dnsPort: o.dnsPort,
          progress: (line) => process.stdout.write(`${line}\n`),
        });
        const site1 = demo.sites[0]?.edge.site.kubeconfigPath ?? '';
        process.stdout.write(
          `\nedgefed is up.\n` +
            `  hub:      ${demo.hub.url}   kubeconfig ${demo.hub.kubeconfigPath}\n` +
            `  dashboard: ${demo.hub.url}/ui/   sign-in URL: edgefed dashboard --kubeconfig ${demo.hub.kubeconfigPath}\n` +
            demo.sites
              .map(
                (s) =>
                  `  ${s.site.name}: ${s.edge.site.url}   kubeconfig ${s.edge.site.kubeconfigPath}   (node ${s.site.nodeIp})\n`,
              )
              .join('') +
            `\nTry (in another terminal):\n` +
            `  export KUBECONFIG=${demo.hub.kubeconfigPath}\n` +
            `  kubectl apply -f examples/federated-deployment.yaml     # kubefed's example, placed on cluster1 and cluster2\n` +
            `  kubectl get federateddeployments -n demo                # CLUSTERS 2/2, READY 8/8 once the pods run\n` +
            `  kubectl --kubeconfig ${site1} get pods -n demo          # the pods at the edge site cluster1\n` +
            `\nAlso: edgefed clusters; edgefed kubeconfig cluster2 --out c2.kubeconfig (the hub's tunnel to the site).\n` +
            `Press Ctrl-C to stop.\n`,
        );
        const stop = (): void => void demo.close().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      },
    );
}
