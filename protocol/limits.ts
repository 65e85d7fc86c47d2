/**
 * Limits both sides agree on. The server enforces them; the client uses them to refuse early with a
 * clear message instead of sending something the server will reject.
 */

/** Largest signaling message (UTF-8 bytes) the server parses. Larger ones get a `TOO_LARGE` error. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Frames above this are not even buffered: the WebSocket is closed (1009). It sits well above
 * MAX_MESSAGE_BYTES so an oversized message normally earns an error response, not a dropped call.
 */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** Longest display name, in UTF-16 code units after trimming. */
export const MAX_DISPLAY_NAME_LENGTH = 64;

/** Room ids: what fits in a URL path segment without escaping and reads well in a link. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** How long a request waits for its response before it fails with a timeout. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Longest SDP (characters) relayed between the two browsers of a P2P session. Chromium's offer for our
 * four transceivers and a data channel is about 11 000; this leaves room for more codecs and lines.
 */
export const MAX_SDP_LENGTH = 32_000;

/** Longest ICE candidate line relayed (real ones are under 200 characters). */
export const MAX_ICE_CANDIDATE_LENGTH = 1024;
