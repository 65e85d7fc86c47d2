/**
 * Built-in HTTPS (TLS_CERT_FILE, TLS_KEY_FILE): the app, /healthz and the signaling socket are served
 * over TLS with the given certificate, and a missing certificate stops the start with a clear error.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import WebSocket from 'ws';
import { buildApp } from '../../server/app.js';
import { startServer, TEST_CONFIG } from '../helpers/server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shouwang-tls-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const certFile = path.join(dir, 'cert.pem');
const keyFile = path.join(dir, 'key.pem');
execFileSync('openssl', [
  'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
  '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
], { stdio: 'ignore' });
const ca = fs.readFileSync(certFile);

const server = await startServer({ tls: { certFile, keyFile } });
t.teardown(() => server.close());
const httpsUrl = server.url.replace('http:', 'https:');

/** A GET that verifies the server's certificate against `trusted` (Node refuses anything else). */
function get(url: string, trusted: Buffer | null = ca): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, trusted ? { ca: trusted } : {}, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

t.test('HTTPS serves /healthz with the configured certificate', async (t) => {
  const answer = await get(`${httpsUrl}/healthz`);
  t.equal(answer.status, 200, '200 over HTTPS, with the configured certificate');
  await t.rejects(get(`${httpsUrl}/healthz`, null), /self[- ]signed/, 'a client that does not trust it refuses it');
  t.match(JSON.parse(answer.body), { status: 'ok' }, 'healthy');
  await t.rejects(fetch(`${server.url}/healthz`), 'plain HTTP is not spoken on that port');
});

t.test('the signaling socket works over wss://', async (t) => {
  const socket = new WebSocket(`${httpsUrl.replace('https:', 'wss:')}/ws`, { ca });
  t.teardown(() => socket.close());
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ kind: 'request', id: 1, method: 'join', data: { roomId: 'tls', displayName: 'Secure' } }));
  const answer = await new Promise<{ ok: boolean; data: { peerId: string } }>((resolve) =>
    socket.once('message', (data) => resolve(JSON.parse(String(data)) as { ok: boolean; data: { peerId: string } })),
  );
  t.equal(answer.ok, true, 'joined over wss://');
  t.type(answer.data.peerId, 'string', 'with a peer id');
});

t.test('a missing certificate stops the start with a clear error', async (t) => {
  await t.rejects(
    buildApp({ config: { ...TEST_CONFIG, tls: { certFile: path.join(dir, 'missing.pem'), keyFile } } }),
    /cannot read the TLS certificate \(TLS_CERT_FILE\)/,
  );
});
