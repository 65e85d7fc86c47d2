/**
 * Shouwang's signaling contract, shared by server and client. See PROTOCOL.md for the prose version.
 */
export * from './chat.js';
export * from './chat-schema.js';
export * from './envelope.js';
export * from './errors.js';
export * from './limits.js';
export * from './media.js';
export * from './p2p.js';
export * from './peer.js';
export * from './requests.js';
export * from './server-messages.js';
