import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { createLogger } from '../../hub/logger.js';
import { startHub } from '../../hub/hub.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('Run a hub for trying edgefed out (what `npm start` runs).')
    .option('--data-dir <dir>', 'state directory', '.data/hub')
    .option('--port <port>', 'HTTPS port', port, 6443)
    .action(async (o: { dataDir: string; port: number }) => {
      const logger = createLogger('warn');
      process.stdout.write('Starting the edgefed hub...\n');
      const hub = await startHub({ dataDir: resolve(o.dataDir), port: o.port, bind: '127.0.0.1', logger });
      process.stdout.write(
        `\nedgefed hub is up at ${hub.url}\n\n` +
          `Try:\n` +
          `  export KUBECONFIG=${hub.kubeconfigPath}\n` +
          `  kubectl apply -f examples/clusters.yaml\n` +
          `  kubectl apply -f examples/federated-deployment.yaml\n` +
          `  kubectl get federateddeployments -n demo\n` +
          `  kubectl get works -A\n\n` +
          `Press Ctrl-C to stop.\n`,
      );
      process.once('SIGINT', () => void hub.close().then(() => process.exit(0)));
      process.once('SIGTERM', () => void hub.close().then(() => process.exit(0)));
    });
}
