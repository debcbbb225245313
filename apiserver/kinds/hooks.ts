/** The Service and Job hooks the generic object lifecycle runs (registered in rest/kind-hooks.ts). */
import type { KindHooks } from '../rest/kind-hooks.js';
import { defaultJob } from './job.js';

export const serviceHooks: KindHooks = {
  prepareAsync: (env, obj, old, dryRun) => env.prepareService(obj, old, dryRun),
};

export const jobHooks: KindHooks = {
  prepareForCreate: (_ctx, obj) => defaultJob(obj),
  prepareForUpdate: (_ctx, old, obj) => defaultJob(obj, old),
};
