import t from 'tap';
import { launchBrowser } from '../helpers/browser.js';
import { joinRoom } from '../helpers/call-flow.js';
import { chromiumCallPage } from '../helpers/call-page.js';
import { startServer } from '../helpers/server.js';

const server = await startServer({ logLevel: 'info' });
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'file' });
const pages = [];
for (const name of ['Alice', 'Bob', 'Carol']) {
  const raw = await browser.newPage(name);
  raw.on('console', (m) => { if (m.type() !== 'debug') console.error(`[${name}] ${m.type()}: ${m.text()}`); });
  const p = await joinRoom(chromiumCallPage(name, raw), server.url, 'probe', name, { timeout: 60000 });
  pages.push({ raw, p });
}
await new Promise((r) => setTimeout(r, 5000));
console.error('KILL');
process.kill(server.app.rooms.rooms.get('probe')!.slot.worker.pid, 'SIGKILL');
for (let i = 0; i < 8; i++) {
  await new Promise((r) => setTimeout(r, 2000));
  for (const { raw, p } of pages) {
    const h = await raw.evaluate(() => { const w = (window as any).__shouwang; return `${w.phase} restarts=${w.mediaRestarts} reconnects=${w.reconnects}`; });
    console.error(`${p.name}: ${h}`);
  }
}
t.pass('done');
