/**
 * Joining a room that has a lobby: `join` fails with LOBBY, so the client knocks and waits on the same
 * connection until a moderator answers; admitted, it joins; turned away, it says why.
 */
import type { ClientRequestInput, ClientResponseData } from '../../../protocol/requests.js';
import { joinFollowingMoves } from '../signal/cluster-join.js';
import type { SignalClient } from '../signal/signal-client.js';
import { SignalError } from '../signal/signal-error.js';

/** A moderator turned this knock away (or nobody answered in time, or the meeting ended). */
export class LobbyDeniedError extends Error {
  constructor(readonly reason: string | undefined) {
    super(`not let in${reason ? `: ${reason}` : ''}`);
    this.name = 'LobbyDeniedError';
  }
}

/**
 * Joins; through the lobby if the room has one. `onWaiting(true)` while waiting for a moderator, then
 * `onWaiting(false)`. The wait has no client-side limit: the server answers (or denies) on its own.
 */
export async function joinThroughLobby(
  signal: SignalClient,
  request: ClientRequestInput<'join'>,
  onWaiting: (waiting: boolean) => void,
): Promise<ClientResponseData['join']> {
  try {
    return await joinFollowingMoves(signal, request);
  } catch (error) {
    if (!(error instanceof SignalError && error.code === 'LOBBY')) throw error;
  }
  onWaiting(true);
  try {
    await knockAndWait(signal, request);
  } finally {
    onWaiting(false);
  }
  return joinFollowingMoves(signal, request);
}

function knockAndWait(signal: SignalClient, request: ClientRequestInput<'join'>): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = (): void => {
      offAnswer();
      offClose();
    };
    const offAnswer = signal.on('knockAnswered', ({ admitted, reason }) => {
      stop();
      if (admitted) resolve();
      else reject(new LobbyDeniedError(reason));
    });
    const offClose = signal.onClose(() => {
      stop();
      reject(new SignalError('CONNECTION_CLOSED', 'the connection closed while waiting in the lobby'));
    });
    const { roomId, displayName, token } = request;
    signal.request('knock', { roomId, displayName, ...(token === undefined ? {} : { token }) }).catch((error: unknown) => {
      stop();
      reject(error);
    });
  });
}
