/**
 * The timing contract of engine signing-key rotation (ADR 0004), in one place for the three sides
 * that must agree: cerebro mints tokens and publishes its keys (JWKS), the engines cache the key
 * set and refuse long-lived tokens, and the control plane says when a rotated-out key may leave
 * the vault. A change here moves all three.
 */

/** cerebro rereads its mounted key folder this often. */
export const KEY_POLL_SECONDS = 30;
/** The JWKS endpoint's `max-age`: how long an engine may cache the key set. */
export const JWKS_MAX_AGE_SECONDS = 300;
/** The longest token cerebro mints and an engine accepts (`exp - iat`). */
export const MAX_ENGINE_TOKEN_LIFETIME_SECONDS = 300;
/**
 * A key cerebro finds is published at once but signs only after this long, so every engine's JWKS
 * cache has it before the first token signed with it arrives.
 */
export const KEY_GRACE_SECONDS = JWKS_MAX_AGE_SECONDS + 30;
/**
 * How long after a rotation is rolled out (the new key mounted) the old key may go: cerebro notices
 * the new key within one poll, signs with it after the grace period, and the last token the old
 * key signed lives at most the maximum lifetime after that (30 + 330 + 300 = 660 s).
 */
export const RETIRE_AFTER_SECONDS = KEY_POLL_SECONDS + KEY_GRACE_SECONDS + MAX_ENGINE_TOKEN_LIFETIME_SECONDS;
