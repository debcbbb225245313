/**
 * A DNS record's status (kubefed's domain and dns, plus edgefed's Ready condition). Pure.
 */
import { jsonEqual } from '../../apiserver/json-equal.js';
import type { Condition } from '../../api/federation.js';
import type { ClusterDNS, DnsRecordStatus } from './types.js';

export interface Readiness {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/**
 * Reasons of the Ready condition. False ones that are the user's to fix also produce a Warning
 * Event when they appear.
 */
export const REASONS = {
  published: 'RecordsPublished',
  noAddresses: 'NoAddresses',
  domainNotFound: 'DomainNotFound',
  invalidDomain: 'InvalidDomain',
  serviceNotFederated: 'FederatedServiceNotFound',
  nameTaken: 'DNSEndpointNotOwned',
} as const;

export const USER_ERROR_REASONS: ReadonlySet<string> = new Set([
  REASONS.domainNotFound,
  REASONS.invalidDomain,
  REASONS.serviceNotFederated,
  REASONS.nameTaken,
]);

/**
 * The status to write: lastTransitionTime kept while Ready's status holds, so an unchanged record
 * compares equal to what is stored and nothing is written.
 */
export function recordStatus(
  current: DnsRecordStatus | undefined,
  want: { domain?: string; dns: ClusterDNS[]; ready: Readiness },
  now: string,
): DnsRecordStatus {
  const old = (current?.conditions ?? []).find((c) => c.type === 'Ready');
  const same =
    old &&
    old.status === want.ready.status &&
    old.reason === want.ready.reason &&
    old.message === want.ready.message;
  const ready: Condition = same
    ? old
    : {
        type: 'Ready',
        ...want.ready,
        lastTransitionTime:
          old?.status === want.ready.status && old.lastTransitionTime ? old.lastTransitionTime : now,
      };
  return {
    ...(want.domain ? { domain: want.domain } : {}),
    dns: want.dns,
    conditions: [...(current?.conditions ?? []).filter((c) => c.type !== 'Ready'), ready],
  };
}

export function recordStatusEqual(a: DnsRecordStatus | undefined, b: DnsRecordStatus): boolean {
  return jsonEqual(a ?? {}, b);
}

/** True when the Ready condition turns to a user error it did not already report. */
export function newUserError(
  before: DnsRecordStatus | undefined,
  after: DnsRecordStatus,
): Condition | undefined {
  const was = (before?.conditions ?? []).find((c) => c.type === 'Ready');
  const now = (after.conditions ?? []).find((c) => c.type === 'Ready');
  if (!now || now.status !== 'False' || !USER_ERROR_REASONS.has(now.reason ?? '')) return undefined;
  return was && was.reason === now.reason && was.message === now.message ? undefined : now;
}
