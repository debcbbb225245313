import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

export interface EtcdTlsOptions {
  /**
   * Each is either a path to a PEM file (as kube-apiserver's --etcd-cafile/--etcd-certfile/
   * --etcd-keyfile take them) or the PEM text itself, told apart by its "-----BEGIN" line.
   * Without `ca` the system's roots verify the server.
   */
  ca?: string;
  cert?: string;
  key?: string;
}

function pem(v: string): Buffer {
  return v.includes('-----BEGIN') ? Buffer.from(v) : readFileSync(v);
}

export function credentials(tls: EtcdTlsOptions): {
  rootCertificate: Buffer;
  privateKey?: Buffer;
  certChain?: Buffer;
} {
  return {
    rootCertificate: tls.ca ? pem(tls.ca) : Buffer.from(rootCertificates.join('\n')),
    privateKey: tls.key ? pem(tls.key) : undefined,
    certChain: tls.cert ? pem(tls.cert) : undefined,
  };
}
