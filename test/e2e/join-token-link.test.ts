/**
 * Invite links with join tokens, in headless Chromium: on a server that requires tokens, a link minted
 * by the HTTP API prefills the name from the token, takes the token out of the address bar, and joins
 * with the token's grants (a viewer token: the page receives the host's video but sends nothing). A
 * link without a token is refused with a clear message.
 */
import t from 'tap';
import { loadConfig } from '../../server/config.js';
import { launchBrowser } from '../helpers/browser.js';
import { expectMediaFlowing } from '../helpers/call-flow.js';
import { chromiumCallPage, inputValueOf, isVisible, peerIdOf, textOf } from '../helpers/call-page.js';
import { startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const API_KEY = 'e2e-api-key-0123456789abcdef';
const TIMEOUT = 60_000;
// P2P off: the viewer's grants are the server's to enforce, on the SFU (and Chromium, with no loopback
// candidates, would pair over the machine's own addresses).
const server = await startServer({
  auth: { joinTokenSecret: 'an-e2e-join-token-secret-of-32-chars!', allowOpenJoin: false, apiKey: API_KEY },
  p2p: { ...loadConfig().p2p, enabled: false },
});
t.teardown(() => server.close());
const browser = await launchBrowser(t, { fakeMedia: 'file' });

async function mint(body: object): Promise<{ path: string }> {
  const response = await fetch(`${server.url}/api/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`minting answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { path: string };
}

t.test('a link without a token is refused, and says why', async (t) => {
  const page = chromiumCallPage('NoToken', await browser.newPage('NoToken'));
  await page.goto(`${server.url}/r/board?name=Nobody`);
  await waitFor(() => isVisible(page, 'preview-video'), { timeout: TIMEOUT, message: 'the pre-join screen' });
  await page.click('join-button');
  await waitFor(() => isVisible(page, 'error-message'), { timeout: TIMEOUT, message: 'an error on the pre-join screen' });
  t.match(await textOf(page, 'error-message'), /join token is required/, 'a join token is required');
  await page.close();
});

t.test("an invite link joins with the token's name and grants", async (t) => {
  const host = await mint({ room: 'board', identity: 'host', name: 'Host', grants: { moderate: true } });
  const hostPage = chromiumCallPage('Host', await browser.newPage('Host'));
  await hostPage.goto(`${server.url}${host.path}`);
  await waitFor(async () => (await inputValueOf(hostPage, 'name-input')) === 'Host', { timeout: TIMEOUT, message: 'the name from the token' });
  t.notMatch(hostPage.url(), /token=/, 'the token is taken out of the address bar');
  await waitFor(() => isVisible(hostPage, 'preview-video'), { timeout: TIMEOUT, message: 'Host: the camera preview' });
  await hostPage.click('join-button');
  const hostId = await waitFor(() => peerIdOf(hostPage), { timeout: TIMEOUT, message: 'Host joins' });

  const viewer = await mint({ room: 'board', identity: 'viewer', name: 'Viewer', grants: { publish: false } });
  const viewerPage = chromiumCallPage('Viewer', await browser.newPage('Viewer'));
  await viewerPage.goto(`${server.url}${viewer.path}`);
  await waitFor(() => isVisible(viewerPage, 'preview-video'), { timeout: TIMEOUT, message: 'Viewer: the camera preview' });
  await viewerPage.click('join-button');
  const viewerId = await waitFor(() => peerIdOf(viewerPage), { timeout: TIMEOUT, message: 'Viewer joins' });

  await expectMediaFlowing(
    [[{ name: 'Host', page: hostPage, peerId: hostId }, { name: 'Viewer', page: viewerPage, peerId: viewerId }]],
    'Host to Viewer',
    { timeout: TIMEOUT },
  );
  const serverRoom = server.app.rooms.rooms.get('board');
  t.equal(serverRoom?.peers.get(hostId)?.identity, 'host', "the host is the token's identity");
  t.equal(serverRoom?.peers.get(viewerId)?.producers.size, 0, 'the viewer sends nothing');
  t.equal(serverRoom?.peers.get(viewerId)?.displayName, 'Viewer', "named by the token");
  await viewerPage.click('mute-mic');
  await waitFor(() => hasText(viewerPage, 'watch and listen'), { timeout: TIMEOUT, message: 'the viewer is told it cannot send' });
  t.pass('the viewer is told it can watch and listen but not send');
  // The same link again (a reload): the token was kept for this tab.
  await viewerPage.goto(`${server.url}/r/board`);
  await waitFor(async () => (await inputValueOf(viewerPage, 'name-input')) === 'Viewer', { timeout: TIMEOUT, message: 'the reloaded page still has the token' });
});

function hasText(page: ReturnType<typeof chromiumCallPage>, text: string): Promise<boolean> {
  return page.evaluate((wanted) => document.body.innerText.includes(wanted), text);
}
