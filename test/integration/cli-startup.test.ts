/**
 * The CLI loads only what the command it runs needs: `edgefed --help` lists every command without
 * loading any of them, and `edgefed agent run` (the edge agent) never loads the hub, the federation
 * controllers, DNS, etcd or gRPC. Checked from the module URLs the real process resolves.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../helpers/hub.js';

const RECORDER = join(ROOT, 'test', 'helpers', 'load-recorder.mjs');

function run(args: string[]): { status: number | null; stdout: string; stderr: string; modules: string[] } {
  const dir = tempDir('edgefed-cli-');
  const log = join(dir, 'loads.txt');
  try {
    const r = spawnSync(process.execPath, ['--import', RECORDER, join(ROOT, 'bin', 'edgefed'), ...args], {
      env: { ...process.env, EDGEFED_LOAD_LOG: log },
      encoding: 'utf8',
      timeout: 30_000,
    });
    let modules: string[] = [];
    try {
      modules = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    } catch {
      /* nothing loaded through the hook */
    }
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, modules };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HEAVY = /\/dist\/(hub|controllers|dns|push)\/|\/node_modules\/(etcd3|@grpc)\//;

describe('CLI start-up loads only what the command needs', function () {
  this.timeout(60_000);

  it('edgefed --help lists every command and loads none of them', () => {
    const r = run(['--help']);
    assert.equal(r.status, 0, r.stderr);
    for (const c of ['hub', 'apiserver', 'agent', 'clusters', 'token', 'kubeconfig', 'join', 'up', 'enable'])
      assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'), `${c} listed`);
    const ours = r.modules.filter((m) => m.includes('/dist/'));
    assert.deepEqual(
      ours.map((m) => m.replace(/^.*\/dist\//, '')),
      ['cli/main.js'],
    );
    assert.deepEqual(
      r.modules.filter((m) => HEAVY.test(m) || /fastify|client-node/.test(m)),
      [],
    );
  });

  it('the recorder sees what a command loads (edgefed hub --help loads the hub)', () => {
    const r = run(['hub', '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /--data-dir/);
    assert.ok(
      r.modules.some((m) => m.endsWith('/dist/hub/hub.js')),
      'hub module loaded for its own command',
    );
  });

  it('edgefed agent run loads no hub, controllers, DNS, etcd or gRPC module', () => {
    const dataDir = tempDir('edgefed-agent-');
    try {
      // Not joined: the command loads everything it runs with, then says what to do first.
      const r = run(['agent', 'run', '--data-dir', dataDir, '--runtime', 'edge', '--engine', 'simulated']);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /edgefed agent join/);
      assert.ok(
        r.modules.some((m) => m.endsWith('/dist/agent/agent.js')),
        'the agent was loaded',
      );
      assert.deepEqual(
        r.modules.filter((m) => HEAVY.test(m)),
        [],
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
