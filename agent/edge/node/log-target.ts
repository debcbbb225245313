/**
 * Which container instance `kubectl logs` reads, decided from the pod's status as kubelet's
 * validateContainerLogStatus does, with its error messages (the API answers them as 400).
 */
import { ApiError, errors } from '../../../apiserver/errors.js';
import type { ContainerStatus, Pod, PodStatus } from '../../../api/core.js';

/** The engine's container id from a status containerID (`<engine>://<id>`). */
export function engineId(containerID: string): string {
  const i = containerID.indexOf('://');
  return i < 0 ? containerID : containerID.slice(i + 3);
}

/** The container a request means: the named one, or the only one. */
export function logContainerName(pod: Pod, requested: string | undefined): string {
  const name = pod.metadata.name ?? '';
  const app = (pod.spec.containers ?? []).map((c) => c.name);
  const init = (pod.spec.initContainers ?? []).map((c) => c.name);
  if (!requested) {
    if (app.length === 1) return app[0];
    let msg = `a container name must be specified for pod ${name}, choose one of: [${app.join(' ')}]`;
    if (init.length) msg += ` or one of the init containers: [${init.join(' ')}]`;
    throw errors.badRequest(msg);
  }
  if (!app.includes(requested) && !init.includes(requested))
    throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

/** The engine id to read logs from, or the ApiError kube answers. */
export function logTarget(
  pod: Pod,
  status: PodStatus | undefined,
  container: string,
  previous: boolean,
): string {
  const podName = pod.metadata.name ?? '';
  const s: ContainerStatus | undefined = [
    ...(status?.containerStatuses ?? []),
    ...(status?.initContainerStatuses ?? []),
  ].find((x) => x.name === container);
  const q = (v: string): string => JSON.stringify(v);
  const fail = (m: string): ApiError => errors.badRequest(m);
  if (!s) throw fail(`container ${q(container)} in pod ${q(podName)} is waiting to start - no logs yet`);
  const last = s.lastState?.terminated;
  if (previous) {
    if (!last?.containerID)
      throw fail(`previous terminated container ${q(container)} in pod ${q(podName)} not found`);
    return engineId(last.containerID);
  }
  const { running, terminated, waiting } = s.state ?? {};
  if (running) {
    if (s.containerID) return engineId(s.containerID);
  } else if (terminated) {
    const id = terminated.containerID || last?.containerID;
    if (id) return engineId(id);
    throw fail(`container ${q(container)} in pod ${q(podName)} is terminated`);
  } else if (last) {
    if (last.containerID) return engineId(last.containerID);
    throw fail(`container ${q(container)} in pod ${q(podName)} is terminated`);
  } else if (waiting) {
    const reason = waiting.reason ?? '';
    if (reason === 'ErrImagePull')
      throw fail(`container ${q(container)} in pod ${q(podName)} is waiting to start: image can't be pulled`);
    if (reason === 'ImagePullBackOff')
      throw fail(
        `container ${q(container)} in pod ${q(podName)} is waiting to start: trying and failing to pull image`,
      );
    throw fail(`container ${q(container)} in pod ${q(podName)} is waiting to start: ${reason}`);
  }
  throw fail(`container ${q(container)} in pod ${q(podName)} is waiting to start - no logs yet`);
}
