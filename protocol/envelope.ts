/**
 * The four message shapes on the wire, in both directions. A request carries an `id` unique per sender
 * and connection; its response echoes it.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from './errors.js';

export interface RequestMessage<M extends string = string, D = unknown> {
  kind: 'request';
  id: number;
  method: M;
  data: D;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** With `MOVED`: the signaling URL (ws:// or wss://) of the node to send the request to instead. */
  redirect?: string;
}

export type ResponseMessage<D = unknown> =
  | { kind: 'response'; id: number; ok: true; data: D }
  | { kind: 'response'; id: number; ok: false; error: ErrorBody };

export interface NotificationMessage<M extends string = string, D = unknown> {
  kind: 'notification';
  method: M;
  data: D;
}

export type Message = RequestMessage | ResponseMessage | NotificationMessage;

const requestId = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The envelope of anything a client sends. `data` is checked afterwards against its method's schema,
 * so an unknown method and a malformed payload get different, precise errors.
 */
export const clientEnvelopeSchema = z.union([
  z.strictObject({ kind: z.literal('request'), id: requestId, method: z.string().max(64), data: z.unknown() }),
  z.strictObject({ kind: z.literal('response'), id: requestId, ok: z.literal(true), data: z.unknown() }),
  z.strictObject({
    kind: z.literal('response'),
    id: requestId,
    ok: z.literal(false),
    error: z.strictObject({ code: z.enum(ERROR_CODES), message: z.string().max(1024) }),
  }),
]);

export type ClientEnvelope = z.output<typeof clientEnvelopeSchema>;
