/**
 * Rooms as the operator sees them: list, inspect, close; and moderation of a participant (remove, mute)
 * or of the room's access. A participant is named by peer id or by the identity of its join token (all
 * of that identity's peers, then).
 */
import type { FastifyInstance } from 'fastify';
import { CLOSE_CODES } from '../../protocol/errors.js';
import { MEDIA_SOURCES, type MediaSource } from '../../protocol/media.js';
import { ROOM_ACCESS_MODES, type RoomAccess } from '../../protocol/moderation.js';
import { mutePeer, removePeer } from '../rooms/moderation.js';
import type { Peer } from '../rooms/peer.js';
import type { Room } from '../rooms/room.js';
import { sendError } from './plugin.js';

interface RoomParams {
  roomId: string;
}
interface ParticipantParams extends RoomParams {
  participant: string;
}

const roomParams = {
  type: 'object',
  required: ['roomId'],
  properties: { roomId: { type: 'string', maxLength: 64 } },
} as const;
const participantParams = {
  type: 'object',
  required: ['roomId', 'participant'],
  properties: { roomId: { type: 'string', maxLength: 64 }, participant: { type: 'string', maxLength: 128 } },
} as const;

function summary(room: Room) {
  return { id: room.id, mode: room.mediaMode, access: room.access.mode, participants: room.peers.size, worker: room.slot.index };
}

function participant(peer: Peer) {
  return {
    peerId: peer.id,
    identity: peer.identity ?? null,
    displayName: peer.displayName,
    joinedAt: new Date(peer.joinedAt).toISOString(),
    grants: { ...peer.grants },
    muted: { ...peer.muted },
    connected: !peer.detached,
    producers: [...peer.producers.values()].map((producer) => ({
      producerId: producer.id,
      source: producer.appData.source,
      kind: producer.kind,
      paused: producer.paused,
    })),
  };
}

export async function roomRoutes(app: FastifyInstance): Promise<void> {
  const findRoom = (roomId: string): Room | undefined => {
    const room = app.rooms.rooms.get(roomId);
    return room && !room.closed ? room : undefined;
  };
  const findPeers = (room: Room, name: string): Peer[] =>
    [...room.peers.values()].filter((peer) => peer.id === name || peer.identity === name);

  app.get('/rooms', async () => ({ rooms: [...app.rooms.rooms.values()].filter((room) => !room.closed).map(summary) }));

  app.get<{ Params: RoomParams }>('/rooms/:roomId', { schema: { params: roomParams } }, async (request, reply) => {
    const room = findRoom(request.params.roomId);
    if (!room) return sendError(reply, 404, 'NOT_FOUND', `no open room "${request.params.roomId}"`);
    return { ...summary(room), lobby: room.access.knocks, participants: [...room.peers.values()].map(participant) };
  });

  app.delete<{ Params: RoomParams }>('/rooms/:roomId', { schema: { params: roomParams } }, async (request, reply) => {
    const room = findRoom(request.params.roomId);
    if (!room) return sendError(reply, 404, 'NOT_FOUND', `no open room "${request.params.roomId}"`);
    request.log.info({ room: room.id, peers: room.peers.size }, 'room closed by the operator');
    room.close({ code: CLOSE_CODES.ROOM_CLOSED, message: 'the meeting was ended by the organizer' });
    return reply.code(204).send();
  });

  app.put<{ Params: RoomParams; Body: { access: RoomAccess } }>(
    '/rooms/:roomId/access',
    {
      schema: {
        params: roomParams,
        body: {
          type: 'object',
          required: ['access'],
          additionalProperties: false,
          properties: { access: { type: 'string', enum: [...ROOM_ACCESS_MODES] } },
        },
      },
    },
    async (request, reply) => {
      const room = findRoom(request.params.roomId);
      if (!room) return sendError(reply, 404, 'NOT_FOUND', `no open room "${request.params.roomId}"`);
      room.access.setMode(request.body.access, null);
      return { access: room.access.mode };
    },
  );

  app.delete<{ Params: ParticipantParams }>(
    '/rooms/:roomId/participants/:participant',
    { schema: { params: participantParams } },
    async (request, reply) => {
      const room = findRoom(request.params.roomId);
      if (!room) return sendError(reply, 404, 'NOT_FOUND', `no open room "${request.params.roomId}"`);
      const peers = findPeers(room, request.params.participant);
      if (peers.length === 0) return sendError(reply, 404, 'NOT_FOUND', `nobody "${request.params.participant}" in room "${room.id}"`);
      await Promise.all(peers.map((peer) => removePeer(room, peer, null)));
      return reply.code(204).send();
    },
  );

  app.post<{ Params: ParticipantParams; Body: { source: MediaSource } }>(
    '/rooms/:roomId/participants/:participant/mute',
    {
      schema: {
        params: participantParams,
        body: {
          type: 'object',
          required: ['source'],
          additionalProperties: false,
          properties: { source: { type: 'string', enum: [...MEDIA_SOURCES] } },
        },
      },
    },
    async (request, reply) => {
      const room = findRoom(request.params.roomId);
      if (!room) return sendError(reply, 404, 'NOT_FOUND', `no open room "${request.params.roomId}"`);
      const peers = findPeers(room, request.params.participant);
      if (peers.length === 0) return sendError(reply, 404, 'NOT_FOUND', `nobody "${request.params.participant}" in room "${room.id}"`);
      const muted = await Promise.all(peers.map((peer) => mutePeer(room, peer, request.body.source, null)));
      return { mutedProducerIds: muted.flat() };
    },
  );
}
