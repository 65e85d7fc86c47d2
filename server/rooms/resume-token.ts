/**
 * The secret that lets a client take its peer back after its connection broke. The peer id is shown to
 * everyone in the room, so it cannot be the proof; this token is known only to the client it was given
 * to. The server keeps only its SHA-256 digest and compares digests in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export class ResumeSecret {
  #digest: Buffer | undefined;

  /** Makes a new token (256 random bits) and forgets the previous one: each token works once. */
  issue(): string {
    const token = randomBytes(32).toString('base64url');
    this.#digest = digestOf(token);
    return token;
  }

  /** Whether `token` is the current one. */
  matches(token: string): boolean {
    if (!this.#digest) return false;
    return timingSafeEqual(digestOf(token), this.#digest);
  }

  /** The current token's digest (hex), for a cluster node that may have to take this peer over. */
  get digest(): string | undefined {
    return this.#digest?.toString('hex');
  }

  /** Accepts the token whose digest another node recorded (its node died; server/cluster/). */
  restore(digestHex: string): void {
    const digest = Buffer.from(digestHex, 'hex');
    if (digest.length === 32) this.#digest = digest;
  }

  /** No token works any more (the peer left). */
  revoke(): void {
    this.#digest = undefined;
  }
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
