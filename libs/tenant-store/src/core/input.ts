/** Input checks shared by every adapter: keys, limits, TTLs and cursors. Errors name the field. */
import { StoreInputError } from '../errors.js';

export const KEY_MAX = 256;
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
/** Ten years: longer is a mistake, not a TTL. */
export const MAX_TTL_SECONDS = 10 * 365 * 86_400;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function checkKey(field: string, key: unknown): string {
  if (typeof key !== 'string') throw new StoreInputError(field, 'must be a string');
  if (key.length < 1 || key.length > KEY_MAX) {
    throw new StoreInputError(field, `must be 1-${KEY_MAX} characters long (got ${key.length})`);
  }
  if (CONTROL.test(key)) throw new StoreInputError(field, 'must not contain control characters');
  if (LONE_SURROGATE.test(key)) throw new StoreInputError(field, 'must be well-formed Unicode');
  return key;
}

export function checkTtl(ttlSeconds: unknown, now: Date): Date | undefined {
  if (ttlSeconds === undefined) return undefined;
  if (
    typeof ttlSeconds !== 'number' ||
    !Number.isInteger(ttlSeconds) ||
    ttlSeconds < 1 ||
    ttlSeconds > MAX_TTL_SECONDS
  ) {
    throw new StoreInputError('opts.ttlSeconds', `must be an integer from 1 to ${MAX_TTL_SECONDS}`);
  }
  return new Date(now.getTime() + ttlSeconds * 1000);
}

export function checkLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new StoreInputError('opts.limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return limit;
}

export function checkVersion(version: unknown): string | undefined {
  if (version === undefined) return undefined;
  if (typeof version !== 'string' || version.length < 1 || version.length > 256) {
    throw new StoreInputError('opts.ifVersion', 'must be a version string from a previous read');
  }
  return version;
}

interface CursorState {
  /** Last id returned. */
  a: string;
  o: 'asc' | 'desc';
  /** Collection + partition the cursor belongs to: a cursor cannot jump to another partition. */
  s: string;
}

export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: unknown, scope: string, order: 'asc' | 'desc'): string {
  const bad = () => new StoreInputError('opts.cursor', 'is not a cursor of this query');
  if (typeof cursor !== 'string' || cursor.length > 2048) throw bad();
  let state: Partial<CursorState>;
  try {
    state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorState>;
  } catch {
    throw bad();
  }
  if (typeof state.a !== 'string' || state.s !== scope || state.o !== order) throw bad();
  return state.a;
}
