import { describe, expect, it } from 'vitest';
import { SigningKeys } from '../session/keys.js';
import { decodeSession, encodeSession, magicLinkSession, tenantIdsOf } from '../session/session-cookie.js';
import { csrfTokenFor, csrfValid, newCsrfNonce } from '../session/csrf.js';
import { checkMagicToken, hashToken, issueMagicToken } from './magic-link.js';

const keys = new SigningKeys('a'.repeat(48));
const other = new SigningKeys('b'.repeat(48));
const now = new Date('2030-01-01T00:00:00Z');

describe('magic-link tokens', () => {
  it('verify when signed by us and not expired; the database sees only the hash', () => {
    const { token, hash, expiresAt } = issueMagicToken(keys, now);
    expect(expiresAt.getTime() - now.getTime()).toBe(15 * 60 * 1000);
    expect(hash).toBe(hashToken(token));
    expect(hash).not.toContain(token.slice(0, 10));
    expect(checkMagicToken(keys, token, now)).toEqual({ ok: true, hash });
  });

  it('say why they fail: forged, expired, malformed', () => {
    const { token } = issueMagicToken(keys, now);
    expect(checkMagicToken(other, token, now)).toEqual({ ok: false, reason: 'forged' });
    expect(checkMagicToken(keys, token, new Date(now.getTime() + 15 * 60 * 1000 + 1000))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(checkMagicToken(keys, token.slice(0, -2), now)).toEqual({ ok: false, reason: 'malformed' });
    expect(checkMagicToken(keys, ['a'], now)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('session cookie', () => {
  it('round-trips the session shape and refuses forged or expired cookies', () => {
    const session = magicLinkSession('ada@example.com', ['t1']);
    expect(session).toEqual({
      email: 'ada@example.com',
      displayName: 'ada',
      roles: ['tenant-admin'],
      groups: ['tenant:t1'],
      source: 'magic-link',
      authenticated: true,
    });
    const cookie = encodeSession(keys, session, 60_000, now.getTime());
    expect(decodeSession(keys, cookie, now.getTime())).toEqual(session);
    expect(tenantIdsOf(session)).toEqual(['t1']);
    expect(decodeSession(other, cookie, now.getTime())).toBeUndefined();
    expect(decodeSession(keys, cookie, now.getTime() + 61_000)).toBeUndefined();
    const [body, sig] = cookie.split('.');
    const tampered = Buffer.from(JSON.stringify({ ...session, groups: ['tenant:t2'], exp: 9e9 })).toString(
      'base64url',
    );
    expect(decodeSession(keys, `${tampered}.${sig}`, now.getTime())).toBeUndefined();
    expect(body).toBeTruthy();
  });
});

describe('CSRF tokens', () => {
  it('match only their nonce and key', () => {
    const nonce = newCsrfNonce();
    const token = csrfTokenFor(keys, nonce);
    expect(csrfValid(keys, nonce, token)).toBe(true);
    expect(csrfValid(keys, newCsrfNonce(), token)).toBe(false);
    expect(csrfValid(other, nonce, token)).toBe(false);
    expect(csrfValid(keys, undefined, token)).toBe(false);
    // A token for another purpose (a session signature) is not a CSRF token.
    expect(csrfValid(keys, nonce, keys.sign('session', `csrf:${nonce}`))).toBe(false);
  });
});
