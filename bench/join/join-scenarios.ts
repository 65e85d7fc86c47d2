/**
 * The rooms a join is timed into. Each scenario starts its own server (in this process, like the
 * end-to-end tests) and keeps the people already in the room on their pages for all its trials, while
 * each trial's newcomer is a fresh page that joins, is timed, and leaves.
 */
import type { Config } from '../../server/config.js';
import type { TestBrowser } from '../../test/helpers/browser.js';
import { joinRoom, waitForMode, type Person } from '../../test/helpers/media-path.js';
import { startServer } from '../../test/helpers/server.js';
import { timedJoin, type JoinTimeline } from './join-trial.js';

export type ScenarioName = 'sfu-3' | 'p2p-2' | 'p2p-on-3';

export const SCENARIOS: Record<ScenarioName, { title: string; residents: number; p2p: boolean; waitForP2P: boolean }> = {
  'sfu-3': { title: 'SFU: third person joins (P2P off)', residents: 2, p2p: false, waitForP2P: false },
  'p2p-2': { title: 'P2P: second person joins (first frames via SFU, then P2P)', residents: 1, p2p: true, waitForP2P: true },
  'p2p-on-3': { title: 'P2P on: third person joins a pair that runs P2P', residents: 2, p2p: true, waitForP2P: false },
};

const TIMEOUT = 60_000;

export async function runScenario(
  browser: TestBrowser,
  name: ScenarioName,
  options: {
    trials: number;
    settleMs: number;
    /** Serve another client build (to compare a client change on the same machine, same run). */
    clientDir?: string;
    log?: (message: string) => void;
  },
): Promise<JoinTimeline[]> {
  const scenario = SCENARIOS[name];
  const server = await startServer({
    p2p: { enabled: scenario.p2p, switchBackDelayMs: 1000, connectTimeoutMs: 10_000, iceServerUrls: [], iceTransportPolicy: 'all' },
    ...(options.clientDir ? { clientDir: options.clientDir } : {}),
  } satisfies Partial<Config>);
  const residentPages: Array<{ close(): Promise<void> }> = [];
  try {
    const roomId = `join-${name}`;
    const residents: Person[] = [];
    for (const residentName of ['Alice', 'Bob'].slice(0, scenario.residents)) {
      const page = await browser.newPage(residentName);
      residentPages.push(page.context());
      residents.push(await joinRoom(page, server.url, roomId, residentName, TIMEOUT));
    }
    const timelines: JoinTimeline[] = [];
    for (let trial = 0; trial < options.trials; trial++) {
      // A pair that runs P2P is the starting point of `p2p-on-3` (the previous newcomer's leave sent it back).
      if (name === 'p2p-on-3') await waitForMode(residents, 'p2p', TIMEOUT);
      const joined = await timedJoin(browser, {
        baseUrl: server.url,
        roomId,
        name: `Newcomer ${trial}`,
        others: residents.map((person) => person.peerId),
        waitForP2P: scenario.waitForP2P,
        settleMs: options.settleMs,
      });
      timelines.push(joined);
      options.log?.(
        `${name} #${trial + 1}: first frame ${joined.firstFrame.toFixed(0)} ms (all ${joined.allFirstFrames.toFixed(0)})` +
          (joined.p2p === undefined ? '' : `, P2P at ${joined.p2p.toFixed(0)} ms`),
      );
    }
    return timelines;
  } finally {
    for (const page of residentPages) await page.close().catch(() => undefined);
    await server.close();
  }
}
