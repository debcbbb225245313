/** Builders shared by the edge node unit tests. */
import { LABELS, type ObservedContainer } from '../../../../../agent/edge/engine/engine.js';
import type { Container, Pod } from '../../../../../api/core.js';

export const UID = '11111111-2222-3333-4444-555555555555';

export function pod(spec: Partial<Pod['spec']> = {}, extra: Partial<Pod> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: UID,
      labels: { app: 'web' },
      annotations: { a: 'b' },
    },
    spec: { nodeName: 'edge1', containers: [{ name: 'app', image: 'busybox:1.36' }], ...spec },
    ...extra,
  };
}

export function container(name: string, extra: Partial<Container> = {}): Container {
  return { name, image: 'busybox:1.36', ...extra };
}

let n = 0;

/** An engine container of attempt `attempt` of container `name` of the test pod. */
export function observed(
  name: string,
  attempt: number,
  state: Partial<ObservedContainer> & { status: ObservedContainer['status'] },
): ObservedContainer {
  n++;
  return {
    id: state.id ?? `c${n}-${name}-${attempt}`,
    name: `edgefed_edge1_default_web_${name}_${attempt}`,
    image: 'busybox:1.36',
    labels: {
      [LABELS.node]: 'edge1',
      [LABELS.podUid]: UID,
      [LABELS.podNamespace]: 'default',
      [LABELS.podName]: 'web',
      [LABELS.container]: name,
      [LABELS.attempt]: String(attempt),
    },
    ...state,
  };
}

export const T0 = Date.parse('2025-01-01T00:00:00Z');
export const iso = (ms: number): string => new Date(ms).toISOString();
