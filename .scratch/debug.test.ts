import t from 'tap';
import { launchBrowser } from '../test/helpers/browser.js';
import { joinRoom, waitForMode, pathStatsOf } from '../test/helpers/media-path.js';
import { startServer } from '../test/helpers/server.js';
import { waitFor } from '../test/helpers/wait.js';

t.setTimeout(600000);
const server = await startServer({ logLevel: 'info', p2p: { enabled: true, switchBackDelayMs: 1500, connectTimeoutMs: 60000, iceServerUrls: [], iceTransportPolicy: 'all' } });
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'file', args: ['--auto-select-desktop-capture-source=Entire screen', '--auto-accept-this-tab-capture'] });
const pa = await browser.newPage('A'); const pb = await browser.newPage('B');
pb.on('console', (m) => t.comment(`[B ${m.type()}] ${m.text()}`));
const a = await joinRoom(pa, server.url, 'dbg', 'A');
const b = await joinRoom(pb, server.url, 'dbg', 'B');
await waitForMode([a, b], 'p2p', 60000);
t.comment('P2P up; sharing');
await pb.getByTestId('toggle-screen').click();
await waitFor(async () => (await pa.locator(`[data-testid="screen-tile"][data-peer-id="${b.peerId}"] video`).count()) > 0, { timeout: 60000, message: 'tile' });
t.comment('screen tile shown; stopping ' + JSON.stringify((await pathStatsOf(pa)).inbound.filter(s => s.source === 'screen')));
await pb.getByTestId('toggle-screen').click();
t.comment('clicked stop');
for (let i = 0; i < 10; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  const n = await pa.locator(`[data-testid="screen-tile"][data-peer-id="${b.peerId}"]`).count();
  const sharing = await pb.getByTestId('toggle-screen').getAttribute('aria-pressed');
  t.comment(`${i}: tile count ${n}, B sharing ${sharing}, server producers ${JSON.stringify([...server.app.rooms.rooms.get('dbg')!.peers.values()].map(p => [...p.producers.values()].map(x => x.appData.source + (x.paused ? '(p)' : ''))))}`);
  if (n === 0) break;
}
t.pass();
