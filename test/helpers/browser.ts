/**
 * Real headless Chromium (Debian's package, driven by playwright-core) with fake camera and microphone,
 * for end-to-end tests. Every page gets its own browser context: separate storage and media devices,
 * like separate people on separate machines.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Test } from 'tap';
import type { TestNetwork } from './test-network.js';

// Re-exported: end-to-end tests wait on pages with it.
export { waitFor, type WaitOptions } from './wait.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags measured to work on the project's machines (shared notes: test-clients.md). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // Without these Chromium keeps trying to reach Google's services and floods the closed network.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

export interface LaunchOptions {
  /**
   * `builtin`: Chromium's own generated camera (1280x720, 20 fps, any size on request) and a beep once a
   * second. `file`: a 640x360 test pattern and a steady 440 Hz tone made with ffmpeg: the same pixels
   * and samples on every run, and cheaper to encode (a camera that only does 640x360, like many real ones).
   */
  fakeMedia?: 'builtin' | 'file';
  /**
   * Overrides the microphone of every page of this browser (with either `fakeMedia`): `speech` is a
   * voice-like tone (a modulated chord, which noise suppression keeps), `silence` is silence. Pages that
   * must sound different need browsers of their own: the flag is per browser.
   */
  fakeAudio?: 'speech' | 'silence';
  args?: string[];
  /** Runs Chromium through this program instead (e.g. a wrapper that starts it in a network namespace). */
  executablePath?: string;
  /**
   * Runs Chromium inside this test network's namespace, with the network's web origin treated as
   * secure: for calls whose pages may go peer to peer (helpers/network-call.ts says why).
   */
  network?: Pick<TestNetwork, 'chromiumInNamespace' | 'webOrigin'>;
}

export interface TestBrowser {
  browser: Browser;
  /** A page in a fresh context; its console errors and crashes are logged as test comments. */
  newPage(label: string): Promise<Page>;
  /** Idempotent; also registered with `t.teardown`. */
  close(): Promise<void>;
}

export async function launchBrowser(t: Test, options: LaunchOptions = {}): Promise<TestBrowser> {
  const args = [...CHROMIUM_ARGS, ...(options.args ?? [])];
  if (options.fakeMedia === 'file') {
    const media = fakeMediaFiles();
    args.push(`--use-file-for-fake-video-capture=${media.video}`);
    if (!options.fakeAudio) args.push(`--use-file-for-fake-audio-capture=${media.audio}`);
  }
  if (options.fakeAudio) args.push(`--use-file-for-fake-audio-capture=${fakeAudioFile(options.fakeAudio)}`);
  if (options.network) args.push(`--unsafely-treat-insecure-origin-as-secure=${options.network.webOrigin}`);
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} not found: run \`bash scripts/setup.sh --test\` (installs Debian's chromium)`);
  }
  const browser = await chromium.launch({ executablePath: options.executablePath ?? options.network?.chromiumInNamespace ?? CHROMIUM_PATH, args, headless: true });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= browser.close().catch(() => undefined));
  t.teardown(close);

  return {
    browser,
    close,
    async newPage(label) {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('pageerror', (error) => t.comment(`[${label}] page error: ${error.stack ?? error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') t.comment(`[${label}] console error: ${message.text()}`);
      });
      page.on('crash', () => t.comment(`[${label}] page crashed`));
      return page;
    },
  };
}

/**
 * Makes (once, then cached) a short Y4M test pattern and a WAV tone with Debian's ffmpeg. Chromium loops
 * them. Y4M is raw video, hence short and small: 2 s of 640x360 at 20 fps is 14 MB.
 */
export function fakeMediaFiles(): { video: string; audio: string } {
  const dir = path.join(process.env.SHOUWANG_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'shouwang'), 'fake-media');
  const video = path.join(dir, 'testsrc2-640x360-20fps-2s.y4m');
  const audio = path.join(dir, 'sine-440hz-48k-2s.wav');
  fs.mkdirSync(dir, { recursive: true });
  makeOnce(video, ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=20', '-t', '2', '-pix_fmt', 'yuv420p']);
  makeOnce(audio, ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '2', '-ac', '1']);
  return { video, audio };
}

/** A 4 s WAV (48 kHz mono) of voice-like sound or of silence, made once with ffmpeg and cached. */
export function fakeAudioFile(kind: 'speech' | 'silence'): string {
  const dir = path.join(process.env.SHOUWANG_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'shouwang'), 'fake-media');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, kind === 'speech' ? 'speech-like-48k-4s.wav' : 'silence-48k-4s.wav');
  // A 220 Hz chord whose loudness swings 3 times a second, like syllables: a steady sine is what noise
  // suppression is built to remove.
  const source =
    kind === 'speech'
      ? "aevalsrc='(0.35*sin(2*PI*220*t)+0.2*sin(2*PI*440*t)+0.1*sin(2*PI*660*t))*(0.55+0.45*sin(2*PI*3*t))':s=48000:d=4"
      : 'anullsrc=r=48000:cl=mono';
  makeOnce(file, ['-f', 'lavfi', '-i', source, '-t', '4', '-ac', '1']);
  return file;
}

function makeOnce(file: string, ffmpegInput: string[]): void {
  if (fs.existsSync(file)) return;
  // Written aside and renamed, so a test file running in parallel never sees half a file.
  const partial = `${file}.${process.pid}.partial${path.extname(file)}`;
  try {
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...ffmpegInput, partial], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new Error(`ffmpeg could not make ${file} (run \`bash scripts/setup.sh --test\`, which installs ffmpeg): ${String(error)}`);
  }
  fs.renameSync(partial, file);
}
