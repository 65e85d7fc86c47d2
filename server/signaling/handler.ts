/** The type every request handler has, and the map that dispatch looks methods up in. */
import type {
  ClientRequestData,
  ClientRequestMethod,
  ClientResponseData,
} from '../../protocol/requests.js';
import type { Session } from './session.js';

export type Handler<M extends ClientRequestMethod> = (
  session: Session,
  data: ClientRequestData<M>,
) => Promise<ClientResponseData[M]> | ClientResponseData[M];

export type HandlerMap<M extends ClientRequestMethod = ClientRequestMethod> = { [K in M]: Handler<K> };
