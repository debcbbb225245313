/**
 * The wire contract between an agent and the hub: registration, certificate renewal, heartbeat
 * and the tunnel. Both sides import this file, so they cannot drift apart.
 */

/** Served without authentication: the agent fetches it without trust and checks its hash. */
export const CA_PATH = '/edgefed/v1/ca.crt';
/** POST, `Authorization: Bearer <bootstrap token>`, body RegisterRequest → RegisterResponse. */
export const REGISTER_PATH = '/edgefed/v1/register';
/** POST with the agent's current client certificate (mTLS), body RenewRequest → RegisterResponse. */
export const RENEW_PATH = '/edgefed/v1/renew';
/** WebSocket upgrade with the agent's client certificate: the hub→member tunnel. */
export const TUNNEL_PATH = '/edgefed/v1/tunnel';
/** Hub HTTP path prefix proxied to a member's API through its tunnel: /clusters/<name>/proxy/<k8s path>. */
export const PROXY_PREFIX = '/clusters/';

/** Agent certificates: CN = AGENT_CN_PREFIX + cluster name, O = AGENT_GROUP. */
export const AGENT_CN_PREFIX = 'edgefed:cluster:';
export const AGENT_GROUP = 'edgefed:clusters';

/** Bootstrap tokens: Secrets of this type in kube-system named bootstrap-token-<id>, kubeadm format. */
export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
export const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** On the KubeFedCluster: sha256 of the agent's public key (SPKI DER, hex) that joined under the name. */
export const AGENT_KEY_ANNOTATION = 'edgefed.io/agent-key-sha256';
/** On the KubeFedCluster: "false" until `edgefed clusters accept` when the hub requires acceptance. */
export const ACCEPTED_ANNOTATION = 'edgefed.io/accepted';

/** The agent's heartbeat: a coordination.k8s.io/v1 Lease named HEARTBEAT_LEASE in its cluster namespace. */
export const HEARTBEAT_LEASE = 'agent-heartbeat';
export const HEARTBEAT_INTERVAL_SECONDS = 10;

export interface RegisterRequest {
  cluster: string;
  labels?: Record<string, string>;
  /** PKCS#10 certificate signing request, PEM. */
  csr: string;
  /** Member's Kubernetes version, when known (shown by `edgefed clusters`). */
  kubernetesVersion?: string;
}

export interface RegisterResponse {
  /** Signed client certificate (PEM). Absent while the cluster awaits acceptance (HTTP 202). */
  certificate?: string;
  /** The hub CA (PEM), the trust anchor for everything after the join. */
  ca: string;
  cluster: string;
  /** Hub namespace holding this cluster's Works. */
  namespace: string;
  /** Set while the hub waits for `edgefed clusters accept <name>`. */
  pending?: boolean;
  message?: string;
}

export interface RenewRequest {
  csr: string;
}
