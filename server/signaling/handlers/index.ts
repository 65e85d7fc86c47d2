/** Every client request method, mapped to the handler in the file of its concern. */
import type { HandlerMap } from '../handler.js';
import { chatHandlers } from './chat.js';
import { consumerHandlers } from './consumers.js';
import { lobbyHandlers } from './lobby.js';
import { membershipHandlers } from './membership.js';
import { moderationHandlers } from './moderation.js';
import { p2pHandlers } from './p2p.js';
import { producerHandlers } from './producers.js';
import { sessionHandlers } from './session.js';
import { transportHandlers } from './transports.js';

export const handlers: HandlerMap = {
  ...membershipHandlers,
  ...transportHandlers,
  ...producerHandlers,
  ...consumerHandlers,
  ...chatHandlers,
  ...sessionHandlers,
  ...p2pHandlers,
  ...moderationHandlers,
  ...lobbyHandlers,
};
