/** The app's few pages and how a path maps to one. */
import { isValidRoomId, safeDecode } from './room-id.js';

/** The route a path names. Room ids are checked here so the page can say what is wrong. */
export type Route =
  | { name: 'home' }
  | { name: 'room'; roomId: string }
  | { name: 'invalid-room'; roomId: string }
  | { name: 'not-found' };

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'home' };
  const match = /^\/r\/([^/]*)\/?$/.exec(pathname);
  if (!match) return { name: 'not-found' };
  const roomId = safeDecode(match[1] ?? '');
  return isValidRoomId(roomId) ? { name: 'room', roomId } : { name: 'invalid-room', roomId };
}
