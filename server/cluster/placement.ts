/**
 * Which node serves a room, decided atomically in Redis (one Lua script), so two nodes placing the same
 * new room at the same moment cannot both take it. A room has an owner and a span: the nodes serving
 * part of it, each with its number of people there. A join goes to the owner while it has fewer than
 * ROOM_PEERS_PER_NODE of the room's people; then to a span node with space; then the least loaded node
 * joins the span. A room whose owner died goes to a node of its span first (it has the others already
 * piped), else to the least loaded node. A node past NODE_CPU_LIMIT counts as full.
 */
import type { RoomAccess } from '../../protocol/moderation.js';
import { accessStateSchema } from './messages.js';
import type { Redis } from './redis.js';

const ownerKey = (roomId: string): string => `sw:room:${roomId}:owner`;
const spanKey = (roomId: string): string => `sw:room:${roomId}:span`;
const accessKey = (roomId: string): string => `sw:room:${roomId}:access`;

// KEYS: owner, span. ARGV: limit, the busy nodes (past NODE_CPU_LIMIT, comma-separated), then the live
// nodes, least loaded first. A busy node counts as full for the room while another node can take it.
const PLACE = `
local limit = tonumber(ARGV[1])
local busy = {}
for id in string.gmatch(ARGV[2], '[^,]+') do busy[id] = true end
local alive, order = {}, {}
for i = 3, #ARGV do alive[ARGV[i]] = true; order[#order + 1] = ARGV[i] end
local span = redis.call('HGETALL', KEYS[2])
local counts = {}
for i = 1, #span, 2 do
  if alive[span[i]] then counts[span[i]] = tonumber(span[i + 1]) else redis.call('HDEL', KEYS[2], span[i]) end
end
local owner = redis.call('GET', KEYS[1])
if not (owner and alive[owner]) then
  owner = nil
  for _, id in ipairs(order) do if counts[id] and not busy[id] then owner = id; break end end
  if not owner then for _, id in ipairs(order) do if not busy[id] then owner = id; break end end end
  if not owner then for _, id in ipairs(order) do if counts[id] then owner = id; break end end end
  if not owner then owner = order[1] end
  if not owner then return false end
  redis.call('SET', KEYS[1], owner)
end
if not counts[owner] then redis.call('HSET', KEYS[2], owner, 0); counts[owner] = 0 end
local function free(id) return counts[id] < limit and not busy[id] end
if free(owner) then return owner end
for _, id in ipairs(order) do if counts[id] and free(id) then return id end end
for _, id in ipairs(order) do
  if not counts[id] and not busy[id] then redis.call('HSET', KEYS[2], id, 0); return id end
end
-- Every node is full or busy: the owner takes more while it has room (MAX_PEERS_PER_ROOM caps the room).
if counts[owner] < limit then return owner end
for _, id in ipairs(order) do if counts[id] and counts[id] < limit then return id end end
return owner
`;

// KEYS: owner, span. ARGV: this node, its people in the room. Keeps the span's count true; returns
// the nodes of the span.
const CLAIM = `
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('HKEYS', KEYS[2])
`;

// KEYS: owner, span, access. ARGV: this node. It no longer serves the room; ownership passes on if it
// had it. The last node out forgets the room's access mode: the next meeting in it starts open.
const RELEASE = `
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[1]) == ARGV[1] then
  local rest = redis.call('HKEYS', KEYS[2])
  if #rest > 0 then redis.call('SET', KEYS[1], rest[1]) else redis.call('DEL', KEYS[1]) end
end
if redis.call('HLEN', KEYS[2]) == 0 then redis.call('DEL', KEYS[3]) end
return 1
`;

/** A room's access mode as the cluster knows it, and when it was set. */
export interface AccessState {
  mode: RoomAccess;
  at: number;
}

// KEYS: access. ARGV: the new state (JSON), its time. Two nodes changing the mode at once: the later wins.
const SET_ACCESS = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded.at) and tonumber(decoded.at) > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

export class RoomPlacement {
  readonly #redis: Redis;
  readonly #nodeId: string;
  readonly #limit: number;

  constructor(redis: Redis, nodeId: string, roomPeersPerNode: number) {
    this.#redis = redis;
    this.#nodeId = nodeId;
    this.#limit = roomPeersPerNode;
  }

  /** The node a newcomer to the room goes to; `liveByLoad`: live node ids, least loaded first. */
  async place(roomId: string, liveByLoad: string[], busy: string[] = []): Promise<string | null> {
    const chosen = await this.#redis.eval(PLACE, 2, ownerKey(roomId), spanKey(roomId), this.#limit, busy.join(','), ...liveByLoad);
    return typeof chosen === 'string' ? chosen : null;
  }

  /**
   * Records that this node serves `peers` of the room's people (after each join and leave); returns
   * the other nodes serving part of the room.
   */
  async claim(roomId: string, peers: number): Promise<string[]> {
    const span = await this.#redis.eval(CLAIM, 2, ownerKey(roomId), spanKey(roomId), this.#nodeId, peers);
    return (Array.isArray(span) ? (span as unknown[]) : []).filter((id): id is string => typeof id === 'string' && id !== this.#nodeId);
  }

  async release(roomId: string): Promise<void> {
    await this.#redis.eval(RELEASE, 3, ownerKey(roomId), spanKey(roomId), accessKey(roomId), this.#nodeId);
  }

  /** The access mode a moderator set on any node of the room (null: never set, the room is open). */
  async accessOf(roomId: string): Promise<AccessState | null> {
    const stored = await this.#redis.get(accessKey(roomId));
    if (stored === null) return null;
    try {
      const parsed = accessStateSchema.safeParse(JSON.parse(stored));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** Records a change of the room's access mode, unless a later one is recorded already. */
  async setAccess(roomId: string, state: AccessState): Promise<void> {
    await this.#redis.eval(SET_ACCESS, 1, accessKey(roomId), JSON.stringify(state), state.at);
  }

  /** The other nodes serving part of the room. */
  async spanOf(roomId: string): Promise<string[]> {
    return (await this.#redis.hkeys(spanKey(roomId))).filter((id) => id !== this.#nodeId);
  }

  async ownerOf(roomId: string): Promise<string | null> {
    return this.#redis.get(ownerKey(roomId));
  }
}
