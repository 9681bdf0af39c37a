/**
 * Self-signed certificates for TLS tests, made with the openssl CLI at test time into a temporary
 * directory (no private key is ever committed). CI needs the `openssl` package (Debian: apt-get
 * install openssl).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSignedCert {
  key: string;
  cert: string;
  /** The certificate's file, for NODE_EXTRA_CA_CERTS. */
  certPath: string;
  /** The private key's file (a server that reads its key from a file: redis-server). */
  keyPath: string;
  dir: string;
  /** Removes the directory and the key in it. */
  remove(): Promise<void>;
}

/** A certificate for 127.0.0.1 and localhost, valid for a day, that is its own CA. */
export async function makeSelfSignedCert(commonName = 'localhost'): Promise<SelfSignedCert> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zoho-gw-cert-'));
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  try {
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', `/CN=${commonName}`,
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-addext', 'basicConstraints=critical,CA:TRUE',
    ]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? 'the openssl CLI is needed for TLS tests (Debian: apt-get install openssl)' : String(error));
  }
  return {
    key: await readFile(keyPath, 'utf8'),
    cert: await readFile(certPath, 'utf8'),
    certPath,
    keyPath,
    dir,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
