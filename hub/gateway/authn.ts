/**
 * The gateway's authenticator: client certificates of the gateway CA (X509Authenticator: CN = user,
 * O = groups), plus, for agent certificates, the sha256 of the certificate's public key in
 * extra[AGENT_KEY_EXTRA], so agentAuthorizer refuses a certificate whose key the cluster is no
 * longer bound to (rotated away, or from before an unjoin and a re-join under the same name).
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { X509Authenticator, type AuthnResult, type Authenticator } from '../../apiserver/auth/authn.js';
import { AGENT_KEY_EXTRA, agentCluster } from '../join/agent-authorizer.js';

export class GatewayAuthenticator implements Authenticator {
  private readonly x509 = new X509Authenticator();
  private readonly keys = new WeakMap<object, string>();

  authenticate(req: IncomingMessage): AuthnResult {
    const r = this.x509.authenticate(req);
    if (!r || 'rejected' in r || !agentCluster(r)) return r;
    const socket = req.socket as TLSSocket;
    let key = this.keys.get(socket);
    if (key === undefined) {
      const raw = socket.getPeerCertificate().raw;
      const spki = new X509Certificate(raw).publicKey.export({ type: 'spki', format: 'der' });
      key = createHash('sha256').update(spki).digest('hex');
      this.keys.set(socket, key);
    }
    return { ...r, extra: { ...r.extra, [AGENT_KEY_EXTRA]: [key] } };
  }
}
