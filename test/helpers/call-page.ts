/**
 * One person's page in a call, whatever browser shows it: a Playwright page (Chromium) or a Puppeteer
 * page (Firefox) behind the same few operations, so a scenario is written once and run across engines
 * (mixed-browser calls). DOM reads go through `evaluate`, which both drivers run the same way.
 */
import type { Page as PlaywrightPage } from 'playwright-core';
import type { Page as PuppeteerPage } from 'puppeteer-core';
import type { ClientStats } from './client-hooks.js';

export type Engine = 'chromium' | 'firefox';

export interface CallPage {
  readonly label: string;
  readonly engine: Engine;
  goto(url: string): Promise<void>;
  url(): string;
  /** Clicks the element with this `data-testid` (real input events). */
  click(testId: string): Promise<void>;
  /** Replaces the value of the input with this `data-testid`, as typing would. */
  fill(testId: string, value: string): Promise<void>;
  /** Runs `fn(arg)` in the page; `arg` must be JSON-serialisable. */
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  screenshot(file: string): Promise<void>;
  /** Closes the page and its browser context (the person is gone, like a closed tab). */
  close(): Promise<void>;
}

const byTestId = (testId: string) => `[data-testid="${testId}"]`;

export function chromiumCallPage(label: string, page: PlaywrightPage): CallPage {
  return {
    label,
    engine: 'chromium',
    goto: async (url) => void (await page.goto(url)),
    url: () => page.url(),
    click: (testId) => page.locator(byTestId(testId)).first().click(),
    fill: (testId, value) => page.locator(byTestId(testId)).first().fill(value),
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg) as Promise<R>,
    screenshot: async (file) => void (await page.screenshot({ path: file })),
    close: () => page.context().close().catch(() => undefined),
  };
}

export function firefoxCallPage(label: string, page: PuppeteerPage): CallPage {
  return {
    label,
    engine: 'firefox',
    goto: async (url) => void (await page.goto(url)),
    url: () => page.url(),
    click: (testId) => page.locator(byTestId(testId)).click(),
    fill: (testId, value) => page.locator(byTestId(testId)).fill(value),
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg) as Promise<R>,
    screenshot: async (file) => void (await page.screenshot({ path: file as `${string}.png` })),
    close: () => page.browserContext().close().catch(() => undefined),
  };
}

/** Whether an element with this `data-testid` is on screen (rendered, not hidden). */
export function isVisible(page: CallPage, testId: string): Promise<boolean> {
  return page.evaluate((selector) => {
    const element = document.querySelector(selector);
    // visibility:hidden counts as hidden (the pre-join preview hides that way while the camera is off).
    const options = { visibilityProperty: true, checkVisibilityCSS: true } as CheckVisibilityOptions;
    return element instanceof HTMLElement && element.checkVisibility(options);
  }, byTestId(testId));
}

/** The text of the first element with this `data-testid`, or null when there is none. */
export function textOf(page: CallPage, testId: string): Promise<string | null> {
  return page.evaluate((selector) => document.querySelector(selector)?.textContent ?? null, byTestId(testId));
}

/** The value of the input with this `data-testid`. */
export function inputValueOf(page: CallPage, testId: string): Promise<string | null> {
  return page.evaluate((selector) => {
    const element = document.querySelector(selector);
    return element instanceof HTMLInputElement ? element.value : null;
  }, byTestId(testId));
}

/** `window.__shouwang.peerId`: set once the page has joined a room. */
export function peerIdOf(page: CallPage): Promise<string | null> {
  return page.evaluate(() => (globalThis as { __shouwang?: { peerId: string | null } }).__shouwang?.peerId ?? null, null);
}

/** `window.__shouwang.stats()`: what the page receives and sends, per remote peer. */
export function statsOf(page: CallPage): Promise<ClientStats> {
  return page.evaluate(() => {
    const hooks = (globalThis as { __shouwang?: { stats(): Promise<ClientStats> } }).__shouwang;
    if (!hooks) throw new Error('window.__shouwang is not set (the page has not opened a room)');
    return hooks.stats();
  }, null);
}
