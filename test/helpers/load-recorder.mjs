// Registered with `node --import` by tests: records every module URL the process loads (ESM and
// CommonJS alike, through the module loader's resolve hook) to the file in EDGEFED_LOAD_LOG.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.EDGEFED_LOAD_LOG, r.url + '\\n');
  return r;
}`),
);
