/**
 * One master secret (SESSION_SECRET) → independent keys per purpose (HKDF), so a value signed for
 * one purpose (a CSRF token) can never pass as another (a session or a magic link).
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export type KeyPurpose = 'session' | 'magic-link' | 'csrf';

export class SigningKeys {
  private readonly keys: Record<KeyPurpose, Buffer>;

  constructor(masterSecret: string) {
    if (Buffer.byteLength(masterSecret) < 32) throw new Error('the signing secret must be at least 32 bytes');
    const derive = (purpose: KeyPurpose) =>
      Buffer.from(hkdfSync('sha256', masterSecret, 'cw-control-plane', `cw ${purpose} v1`, 32));
    this.keys = { session: derive('session'), 'magic-link': derive('magic-link'), csrf: derive('csrf') };
  }

  sign(purpose: KeyPurpose, data: string): string {
    return createHmac('sha256', this.keys[purpose]).update(data).digest('base64url');
  }

  verify(purpose: KeyPurpose, data: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(purpose, data));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
