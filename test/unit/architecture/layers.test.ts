/**
 * The layers point one way (ARCHITECTURE.md): shared contracts (api/, pki/, tunnel/, client/) below
 * the API server library, the API server below the features (controllers/, agent/, dns/, hub/),
 * push/ (the hub running agents) above hub/ and agent/, cli/ on top. hub/ and agent/ never import
 * each other: what both need lives in a shared module. Checked here from the source, so a stray
 * import fails the suite instead of growing a tangle.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from '../../helpers/hub.js';

const SHARED = ['api', 'pki', 'tunnel', 'client'];
/** What each top-level folder may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  api: [],
  pki: ['api'],
  tunnel: ['api'],
  client: ['api'],
  apiserver: [...SHARED],
  controllers: [...SHARED, 'apiserver'],
  dns: [...SHARED, 'apiserver'],
  agent: [...SHARED, 'apiserver'],
  hub: [...SHARED, 'apiserver', 'controllers', 'dns'],
  push: [...SHARED, 'apiserver', 'hub', 'agent'],
  cli: [...SHARED, 'apiserver', 'controllers', 'dns', 'agent', 'hub', 'push'],
  /** The dashboard's browser code: it speaks the API, nothing else. */
  ui: ['api'],
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Relative specifiers of static imports/exports and dynamic import() calls. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const rx = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const m of source.matchAll(rx)) out.push(m[1]);
  return out;
}

function topFolder(file: string): string {
  return relative(ROOT, file).split('/')[0];
}

describe('architecture: layers point one way', () => {
  it('finds imports in every form the source uses', () => {
    const src = [
      "import { a } from '../x/a.js';",
      "import type { B } from '../y/b.js';",
      "export { c } from './c.js';",
      "const d = await import('../../z/d.js');",
      "import '../side-effect.js';",
      "import { e } from 'node:fs';",
    ].join('\n');
    assert.deepEqual(importsOf(src), [
      '../x/a.js',
      '../y/b.js',
      './c.js',
      '../../z/d.js',
      '../side-effect.js',
    ]);
  });

  it('no module imports a layer above it (hub and agent never import each other)', () => {
    const violations: string[] = [];
    for (const layer of Object.keys(ALLOWED)) {
      for (const file of sourceFiles(join(ROOT, layer))) {
        for (const spec of importsOf(readFileSync(file, 'utf8'))) {
          const target = topFolder(resolve(dirname(file), spec));
          if (target !== layer && !ALLOWED[layer].includes(target))
            violations.push(`${relative(ROOT, file)} imports ${spec} (${layer}/ may not import ${target}/)`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it('no source file outside bench/ and test/ is over 500 lines', () => {
    const long: string[] = [];
    for (const layer of Object.keys(ALLOWED))
      for (const file of sourceFiles(join(ROOT, layer))) {
        const lines = readFileSync(file, 'utf8').split('\n').length;
        if (lines > 500) long.push(`${relative(ROOT, file)}: ${lines} lines`);
      }
    assert.deepEqual(long, []);
  });
});
