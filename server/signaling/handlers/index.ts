/** Every client request method, mapped to the handler in the file of its concern. */
import type { HandlerMap } from '../handler.js';
import { consumerHandlers } from './consumers.js';
import { membershipHandlers } from './membership.js';
import { producerHandlers } from './producers.js';
import { transportHandlers } from './transports.js';

export const handlers: HandlerMap = {
  ...membershipHandlers,
  ...transportHandlers,
  ...producerHandlers,
  ...consumerHandlers,
};
