/**
 * Built-in HTTPS (TLS_CERT_FILE, TLS_KEY_FILE): browsers allow the camera only in a secure context, so
 * a server reached by anything but localhost needs TLS, either here or at a reverse proxy.
 */
import fs from 'node:fs';
import type { Config } from '../config.js';

/** The certificate chain and key, read once at start; a missing or unreadable file stops the start. */
export function readTlsFiles(tls: NonNullable<Config['tls']>): { cert: Buffer; key: Buffer } {
  const read = (file: string, what: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (error) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  return { cert: read(tls.certFile, 'certificate (TLS_CERT_FILE)'), key: read(tls.keyFile, 'key (TLS_KEY_FILE)') };
}
