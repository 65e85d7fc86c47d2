/**
 * Routes one validated request envelope to its handler: checks the method exists, validates `data`
 * against that method's schema, runs the handler and answers. Every failure becomes one response.
 */
import { clientRequestSchemas, type ClientRequestMethod } from '../../protocol/requests.js';
import { requiredGrant } from '../auth/required-grants.js';
import type { InboundRequest } from './connection.js';
import { summarize } from './connection.js';
import { toErrorBody } from './errors.js';
import type { Handler } from './handler.js';
import { handlers } from './handlers/index.js';
import type { Session } from './session.js';

function isMethod(method: string): method is ClientRequestMethod {
  return Object.hasOwn(clientRequestSchemas, method);
}

export async function dispatch(session: Session, request: InboundRequest): Promise<void> {
  const { connection } = session;
  const { id, method } = request;
  if (!isMethod(method)) {
    connection.respondError(id, { code: 'BAD_REQUEST', message: `unknown method "${method}"` });
    return;
  }
  const parsed = clientRequestSchemas[method].safeParse(request.data);
  if (!parsed.success) {
    connection.respondError(id, { code: 'BAD_REQUEST', message: `invalid ${method}: ${summarize(parsed.error.issues)}` });
    return;
  }
  const started = performance.now();
  const done = (outcome: string): void => session.observer?.requestDone(method, (performance.now() - started) / 1000, outcome);
  // Grants are checked here, once, for every request of a joined peer: no handler can forget.
  const grant = session.peer ? requiredGrant(method, parsed.data as never) : undefined;
  if (grant && !session.peer?.grants[grant]) {
    connection.respondError(id, { code: 'FORBIDDEN', message: `you do not have the "${grant}" grant` });
    done('FORBIDDEN');
    return;
  }
  try {
    // The schema and the handler are looked up by the same key, so the data fits the handler.
    const handler = handlers[method] as Handler<ClientRequestMethod>;
    const result = await handler(session, parsed.data as never);
    connection.respond(id, result);
    done('ok');
  } catch (error) {
    const { body, internal } = toErrorBody(error);
    if (internal) connection.logger.error({ err: error, method }, 'request failed');
    else connection.logger.debug({ method, code: body.code, message: body.message }, 'request rejected');
    connection.respondError(id, body);
    done(body.code);
  }
}
