/**
 * Real headless Firefox (Debian's firefox-esr) for end-to-end tests, driven by puppeteer-core 24 over
 * WebDriver BiDi (Playwright cannot drive stock Firefox; geckodriver is not in Debian). Fake camera and
 * microphone through prefs. Every page gets its own browser context, like separate people.
 * Launch options measured on the project's machines: shared notes, test-clients.md.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import type { Test } from 'tap';

// puppeteer-core's ESM build imports chromium-bidi with a path tap's TypeScript loader mangles
// (".js.js"); its CommonJS build loads fine and is the same code.
const puppeteer = createRequire(import.meta.url)('puppeteer-core') as typeof import('puppeteer-core');

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

export interface FirefoxOptions {
  /**
   * The only network interface Firefox may use for WebRTC (its ICE agent ignores the others). Tests pass
   * the host end of `createTestNetwork()`, so no media goes near the machine's real interfaces.
   */
  iceInterface: string;
  /** Extra prefs (e.g. to treat the test origin as secure). */
  prefs?: Record<string, unknown>;
}

export interface TestFirefox {
  browser: Browser;
  /** A page in a fresh context; its console errors are logged as test comments. */
  newPage(label: string): Promise<Page>;
  /** Idempotent; also registered with `t.teardown`. */
  close(): Promise<void>;
}

export async function launchFirefox(t: Test, options: FirefoxOptions): Promise<TestFirefox> {
  if (!fs.existsSync(FIREFOX_PATH)) {
    throw new Error(`${FIREFOX_PATH} not found: run \`bash scripts/setup.sh --test\` (installs Debian's firefox-esr)`);
  }
  const guard = firefoxGuard();
  t.teardown(() => fs.rmSync(guard.dir, { recursive: true, force: true }));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: guard.executable,
    headless: true,
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      'media.autoplay.default': 0,
      // Real host addresses in candidates instead of mDNS names (nothing resolves .local here).
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'media.peerconnection.ice.force_interface': options.iceInterface,
      // Keep Firefox from phoning home over the closed network.
      'app.update.enabled': false,
      'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false,
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.enabled': false,
      ...options.prefs,
    },
  });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= browser.close().catch(() => undefined));
  t.teardown(close);

  return {
    browser,
    close,
    async newPage(label) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      page.on('pageerror', (error) => t.comment(`[${label}] page error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
      page.on('console', (message) => {
        if (message.type() === 'error') t.comment(`[${label}] console error: ${message.text()}`);
      });
      return page;
    },
  };
}

/**
 * A wrapper that runs Firefox and ends it when this test process is gone. Puppeteer closes Firefox on
 * a normal exit, SIGINT or SIGTERM, but a test process killed outright (a runner's SIGKILL) would
 * leave Firefox running, still holding its pages and calls. Chromium needs no such guard: Playwright
 * drives it over a pipe, and it exits when the pipe closes.
 */
function firefoxGuard(): { dir: string; executable: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shouwang-firefox-'));
  const executable = path.join(dir, 'firefox');
  const script = [
    '#!/bin/sh',
    `"${FIREFOX_PATH}" "$@" &`,
    'browser=$!',
    'trap \'kill "$browser" 2>/dev/null\' HUP INT TERM',
    `while kill -0 "$browser" 2>/dev/null && kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    'kill "$browser" 2>/dev/null',
    'wait "$browser"',
    '',
  ].join('\n');
  fs.writeFileSync(executable, script, { mode: 0o755 });
  return { dir, executable };
}
