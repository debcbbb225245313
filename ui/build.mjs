// Builds the dashboard bundle into dist/ui (npm run build): type-check ui/ (DOM lib), then bundle
// ui/main.ts with esbuild (minified ESM, CSS alongside) and copy index.html. No CDN, no runtime deps.
import { build } from 'esbuild';
import process from 'node:process';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'ui');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: join(root, 'ui', 'main.ts') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  outdir: out,
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(root, 'ui', 'index.html'), join(out, 'index.html'));
const size = (f) => statSync(join(out, f)).size;
process.stdout.write(`dist/ui: app.js ${size('app.js')} B, app.css ${size('app.css')} B\n`);
