/**
 * CSRF protection for the HTML forms (signed double submit): the browser holds a random nonce in
 * an HttpOnly SameSite cookie, the form carries HMAC(nonce). A cross-site page can neither read
 * the cookie nor compute the HMAC, so it cannot forge a matching pair.
 */
import { randomBytes } from 'node:crypto';
import type { SigningKeys } from './keys.js';

export const CSRF_COOKIE = 'cw_csrf';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export const newCsrfNonce = (): string => randomBytes(18).toString('base64url');
export const csrfTokenFor = (keys: SigningKeys, nonce: string): string => keys.sign('csrf', `csrf:${nonce}`);

export function csrfValid(keys: SigningKeys, nonce: string | undefined, token: unknown): boolean {
  if (!nonce || typeof token !== 'string' || token.length > 200 || nonce.length > 200) return false;
  return keys.verify('csrf', `csrf:${nonce}`, token);
}
