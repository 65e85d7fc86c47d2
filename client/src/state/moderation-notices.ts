/** The sentences moderation shows in the meeting, as messages that follow the UI language. */
import type { MediaSource } from '../../../protocol/media.js';
import type { Actor } from '../../../protocol/moderation.js';
import { message, type Message } from '../i18n/index.js';

/** "Ada muted your microphone." / "The organizer turned off your camera." */
export function mutedByModeratorNotice(source: MediaSource, by: Actor): Message {
  const who = by ? by.displayName : message('moderation.organizer');
  if (source === 'mic') return message('moderation.notice.mutedMic', { name: who });
  if (source === 'camera') return message('moderation.notice.stoppedCamera', { name: who });
  return message('moderation.notice.stoppedScreen', { name: who });
}
