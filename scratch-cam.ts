import type { Test } from 'tap';
import { launchBrowser } from './test/helpers/browser.js';
import { joinRoom } from './test/helpers/call-flow.js';
import { chromiumCallPage } from './test/helpers/call-page.js';
import { startServer } from './test/helpers/server.js';
import { loadConfig } from './server/config.js';
const cleanups: Array<() => Promise<unknown>> = [];
const log = { teardown: (fn: () => Promise<unknown>) => cleanups.push(fn), comment: (s: string) => console.log(s) } as unknown as Test;
const server = await startServer({ p2p: { ...loadConfig().p2p, enabled: false } });
try {
  const browser = await launchBrowser(log, { fakeMedia: 'builtin', args: ['--use-fake-device-for-media-stream=device-count=2'] });
  const a = await browser.newPage('A'); const b = await browser.newPage('B');
  await a.addInitScript(() => { localStorage.debug = 'mediasoup-client:Producer*,mediasoup-client:Chrome111*,mediasoup-client:Transport*'; });
  a.on('console', (m) => { if (/replace|Track|ERROR|error/i.test(m.text())) console.log('[A]', m.type(), m.text().slice(0, 300)); });
  await joinRoom(chromiumCallPage('A', a), server.url, 'x', 'A', { timeout: 90000 });
  await joinRoom(chromiumCallPage('B', b), server.url, 'x', 'B', { timeout: 90000 });
  const snap = async () => {
    const sa = await a.evaluate(() => (globalThis as any).__shouwang.stats());
    const sb = await b.evaluate(() => (globalThis as any).__shouwang.stats());
    console.log('A out', JSON.stringify(sa.outbound.filter((o: any) => o.kind === 'video')), 'B in', JSON.stringify(sb.inbound.filter((i: any) => i.kind === 'video')));
  };
  await new Promise((r) => setTimeout(r, 8000)); await snap();
  if (process.env.TOGGLE) {
    await a.getByTestId('toggle-camera').click();
    await new Promise((r) => setTimeout(r, 3000));
    await a.getByTestId('toggle-camera').click();
    for (let i = 0; i < 3; i++) { await new Promise((r) => setTimeout(r, 4000)); await snap(); }
    process.exit(0);
  }
  await a.getByTestId('open-settings').click();
  const sel = a.getByTestId('device-select-camera');
  const opts = await sel.locator('option').evaluateAll((es) => es.map((e) => (e as HTMLOptionElement).value));
  const cur = await sel.inputValue(); console.log('options', opts, 'current', cur);
  await sel.selectOption(opts.find((o) => o !== cur)!);
  for (let i = 0; i < 2; i++) { await new Promise((r) => setTimeout(r, 4000)); await snap(); }
  await a.getByTestId('device-settings-close').click();
  await a.getByTestId('toggle-camera').click();
  await new Promise((r) => setTimeout(r, 3000));
  await a.getByTestId('toggle-camera').click();
  console.log('--- after toggle');
  for (let i = 0; i < 2; i++) { await new Promise((r) => setTimeout(r, 4000)); await snap(); }
  console.log(await a.evaluate(async () => {
    const v = document.querySelector('[data-local="true"] video') as HTMLVideoElement;
    const t = (v?.srcObject as MediaStream)?.getVideoTracks()[0];
    const t0 = v?.currentTime; await new Promise((r) => setTimeout(r, 1000));
    return JSON.stringify({ label: t?.label, state: t?.readyState, enabled: t?.enabled, muted: t?.muted, settings: t?.getSettings(), advanced: v.currentTime - t0 });
  }));
} finally { for (const c of cleanups.reverse()) await c().catch(() => undefined); await server.close(); }
