/** Image pull decisions, as kube defaults and kubelet applies imagePullPolicy. */

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** The tag of an image reference (`''` when none); a registry port (`host:5000/x`) is not a tag. */
export function imageTag(image: string): string {
  const ref = image.split('@')[0];
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  return colon < 0 ? '' : ref.slice(colon + 1);
}

/** The apiserver's defaulting: `:latest` or no tag (and no digest) → Always, else IfNotPresent. */
export function defaultPullPolicy(image: string): PullPolicy {
  if (image.includes('@')) return 'IfNotPresent';
  const tag = imageTag(image);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export function effectivePullPolicy(image: string, policy: string | undefined): PullPolicy {
  return policy === 'Always' || policy === 'IfNotPresent' || policy === 'Never'
    ? policy
    : defaultPullPolicy(image);
}

export type PullDecision =
  { action: 'use' } | { action: 'pull' } | { action: 'fail'; reason: 'ErrImageNeverPull'; message: string };

export function pullDecision(image: string, policy: PullPolicy, present: boolean): PullDecision {
  if (policy === 'Always') return { action: 'pull' };
  if (present) return { action: 'use' };
  if (policy === 'Never')
    return {
      action: 'fail',
      reason: 'ErrImageNeverPull',
      message: `Container image "${image}" is not present with pull policy of Never`,
    };
  return { action: 'pull' };
}

/**
 * A well-formed reference (`[host[:port]/]path[:tag][@digest]`, lower-case path): what the
 * engines accept before they go looking for the image.
 */
export function isValidImageReference(image: string): boolean {
  const m =
    /^(?:([a-zA-Z0-9.-]+(?::\d+)?)\/)?([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@([a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}))?$/.exec(
      image,
    );
  return m !== null;
}
