/**
 * The `edgefed` command. Every command's module is loaded only when that command runs (`edgefed
 * --help` lists them from the table below without loading any), so a CLI call pays for what it
 * uses: `edgefed clusters` loads no API server, `edgefed agent run` no hub, etcd or gRPC.
 */
import { Command } from 'commander';

interface CommandEntry {
  /** Top-level command names the module registers, with the one-line summary `edgefed --help` shows. */
  commands: Record<string, string>;
  /** Names left out of `edgefed --help` (developer commands). */
  hidden?: string[];
  register(program: Command): Promise<void>;
}

const COMMANDS: CommandEntry[] = [
  {
    commands: {
      hub: 'Run the hub: the federation API (SQLite or etcd), controllers, agent gateway and DNS.',
      apiserver: 'Run a bare Kubernetes-compatible API server (a member-cluster stand-in, like envtest).',
    },
    register: async (p) => (await import('./commands/hub.js')).registerHubCommands(p),
  },
  {
    commands: {
      enable: 'Enable federation of an API type (generates its Federated CRD and FederatedTypeConfig).',
      disable: 'Disable federation of an API type.',
      federate: 'Print or create the federated form of an existing object.',
      generate: 'Generate the CRD YAML in crds/.',
    },
    hidden: ['generate'],
    register: async (p) => (await import('./commands/federation.js')).registerFederationCommands(p),
  },
  {
    commands: { controllers: 'Run the federation controllers against any Kubernetes API (in-cluster mode).' },
    register: async (p) => (await import('./commands/controllers.js')).registerControllersCommand(p),
  },
  {
    commands: { agent: 'Join a member cluster or edge site to a hub, and run its agent.' },
    register: async (p) => (await import('./commands/agent.js')).registerAgentCommands(p),
  },
  {
    commands: {
      token: 'Create, list and delete bootstrap tokens for joining clusters.',
      clusters: 'List joined clusters and their health; accept a pending one.',
      unjoin: 'Remove a cluster from the federation.',
    },
    register: async (p) => (await import('./commands/clusters.js')).registerJoinCommands(p),
  },
  {
    commands: { get: "List every cluster's nodes or pods from the hub (fleet view)." },
    register: async (p) => (await import('./commands/get.js')).registerGetCommand(p),
  },
  {
    commands: { top: "Show every cluster's node or pod CPU and memory from the hub." },
    register: async (p) => (await import('./commands/top.js')).registerTopCommand(p),
  },
  {
    commands: {
      kubeconfig: "Write a kubeconfig that reaches a member cluster's API through the hub's tunnel.",
    },
    register: async (p) => (await import('./commands/kubeconfig.js')).registerKubeconfigCommand(p),
  },
  {
    commands: { join: 'Join a cluster the hub can reach (push mode, like kubefedctl join).' },
    register: async (p) => (await import('./commands/join.js')).registerPushJoinCommand(p),
  },
  {
    commands: { up: 'Start a hub and demo edge sites in one process (npm start).' },
    register: async (p) => (await import('./commands/up.js')).registerUpCommand(p),
  },
  {
    commands: { dashboard: 'Print a one-time sign-in URL for the fleet dashboard (/ui/).' },
    register: async (p) => (await import('./commands/dashboard.js')).registerDashboardCommand(p),
  },
];

/** The command a call runs: the first word that is not an option (`help <cmd>` counts as <cmd>). */
function wantedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

const program = new Command();
program
  .name('edgefed')
  .description('Federation hub for Kubernetes clusters and edge sites (kubefed-compatible API).')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

const wanted = wantedCommand(process.argv.slice(2));
const entry = COMMANDS.find((e) => wanted !== undefined && wanted in e.commands);
for (const e of COMMANDS) {
  if (e === entry) continue;
  // Listed in `edgefed --help` without loading the module behind it.
  for (const [name, summary] of Object.entries(e.commands))
    program.command(name, { hidden: e.hidden?.includes(name) }).summary(summary);
}
if (entry) await entry.register(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`edgefed: ${(e as Error).message}\n`);
  process.exit(1);
});
