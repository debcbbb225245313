/** Which EndpointSlices to create, update and delete for one Service (pure). */
import { jsonEqual } from '../../../../apiserver/json-equal.js';
import type { Service } from '../types.js';
import { controllerRefTo } from '../meta.js';
import { sliceLabels } from './build.js';
import type { Endpoints, EndpointSlice } from './types.js';

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

const portsKey = (s: Pick<EndpointSlice, 'ports'>) => JSON.stringify(s.ports ?? []);

export function planSlices(
  svc: Service,
  existing: EndpointSlice[],
  desired: Pick<EndpointSlice, 'endpoints' | 'ports'>[],
): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const labels = sliceLabels(svc);
  const owner = controllerRefTo(svc, 'v1', 'Service');
  const unmatched = [...existing].sort((a, b) =>
    String(a.metadata.name) < String(b.metadata.name) ? -1 : 1,
  );
  for (const d of desired) {
    const i = unmatched.findIndex((s) => portsKey(s) === portsKey(d));
    const cur = i >= 0 ? unmatched.splice(i, 1)[0] : undefined;
    if (!cur) {
      plan.create.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: `${String(svc.metadata.name)}-`,
          namespace: String(svc.metadata.namespace),
          labels,
          ownerReferences: [owner],
        },
        addressType: 'IPv4',
        endpoints: d.endpoints,
        ports: d.ports,
      });
      continue;
    }
    const same =
      jsonEqual(cur.endpoints ?? [], d.endpoints ?? []) &&
      jsonEqual(cur.ports ?? [], d.ports ?? []) &&
      jsonEqual(cur.metadata.labels ?? {}, labels);
    if (!same) {
      plan.update.push({
        ...cur,
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { ...cur.metadata, labels },
        endpoints: d.endpoints,
        ports: d.ports,
      });
    }
  }
  plan.delete.push(...unmatched);
  return plan;
}

/** Whether the stored Endpoints differ from what they should be (labels, subsets). */
export function endpointsChanged(cur: Endpoints | undefined, want: Endpoints): boolean {
  if (!cur) return true;
  return (
    !jsonEqual(cur.subsets ?? [], want.subsets ?? []) ||
    !jsonEqual(cur.metadata.labels ?? {}, want.metadata.labels ?? {})
  );
}
