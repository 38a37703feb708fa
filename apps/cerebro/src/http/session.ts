/**
 * The one session every sign-in plane produces, and the server-side records behind it. The
 * cookie holds `<userId>.<random>`; the store keeps only sha256(random), partitioned by user, so
 * a stolen database row cannot be replayed and "sign out everywhere" is one partition.
 */
import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { Role } from '@cw/identity';
import { sha256Hex, type CerebroDeps } from '../deps.js';
import { SESSIONS, type SessionRecord } from '../store/collections.js';

export type SessionSource = 'oidc' | 'magic_link' | 'provider';

/** Everything downstream (pages, hub, token mint) reads only this. */
export interface Session {
  readonly email: string;
  readonly displayName: string;
  readonly roles: readonly Role[];
  readonly groups: readonly string[];
  readonly source: SessionSource;
  readonly authenticated: true;
}

/** Per-request state the guard attaches (see route-table.ts). */
export interface RequestState {
  session?: Session;
  /** The signed-in user's id (hashed e-mail) — the `sub` of tokens minted for them. */
  userId?: string;
  /** The session record id (for sign-out of this session). */
  sessionRef?: { partition: string; id: string };
  csrfToken: string;
  /** The session's own CSRF token (set only when signed in). */
  sessionCsrf?: string;
}

const STATE = Symbol.for('cerebro.request-state');
type WithState = Request & { [STATE]?: RequestState };

export const requestState = (req: Request): RequestState => {
  const r = req as WithState;
  return (r[STATE] ??= { csrfToken: '' });
};

/** The signed-in person, or undefined on public pages. */
export const sessionOf = (req: Request): Session | undefined => requestState(req).session;
export const userIdOfRequest = (req: Request): string | undefined => requestState(req).userId;

export const sessionPartition = (userId: string): string => `s:${userId}`;

export interface NewSession {
  userId: string;
  email: string;
  displayName: string;
  roles: readonly Role[];
  groups: readonly string[];
  source: SessionSource;
  grantUntil?: Date;
}

export class SessionService {
  constructor(private readonly deps: CerebroDeps) {}

  private get sessions() {
    return this.deps.store.collection(SESSIONS);
  }

  /** Creates the record; returns the cookie value. */
  async create(input: NewSession): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    const now = this.deps.now();
    let ttl = this.deps.config.session.ttlSeconds;
    if (input.grantUntil)
      ttl = Math.min(ttl, Math.max(1, Math.floor((input.grantUntil.getTime() - now.getTime()) / 1000)));
    await this.sessions.create(
      sessionPartition(input.userId),
      sha256Hex(secret),
      {
        userId: input.userId,
        email: input.email,
        displayName: input.displayName,
        roles: [...input.roles],
        groups: [...input.groups],
        source: input.source,
        csrf: randomBytes(24).toString('base64url'),
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + ttl * 1000).toISOString(),
        ...(input.grantUntil ? { grantUntil: input.grantUntil.toISOString() } : {}),
      },
      { ttlSeconds: ttl },
    );
    return `${input.userId}.${secret}`;
  }

  /** Cookie value → live record, or undefined (malformed, unknown, expired, revoked). */
  async lookup(
    cookie: string | undefined,
  ): Promise<{ record: SessionRecord; partition: string; id: string } | undefined> {
    if (!cookie || cookie.length > 200) return undefined;
    const dot = cookie.indexOf('.');
    if (dot <= 0) return undefined;
    const userId = cookie.slice(0, dot);
    if (!/^u_[0-9a-f]{32}$/.test(userId)) return undefined;
    const partition = sessionPartition(userId);
    const id = sha256Hex(cookie.slice(dot + 1));
    const item = await this.sessions.get(partition, id);
    if (!item) return undefined;
    const now = this.deps.now().toISOString();
    if (item.value.expiresAt <= now || (item.value.grantUntil && item.value.grantUntil <= now)) {
      await this.sessions.delete(partition, id);
      return undefined;
    }
    return { record: item.value, partition, id };
  }

  async revoke(ref: { partition: string; id: string }): Promise<void> {
    await this.sessions.delete(ref.partition, ref.id);
  }

  /** Sign out everywhere / removal from the org. Returns how many sessions ended. */
  async revokeAll(userId: string): Promise<number> {
    let count = 0;
    for (const item of await this.all(userId)) {
      if (await this.sessions.delete(item.partition, item.id)) count += 1;
    }
    return count;
  }

  /** Applies a change (roles, groups) to every live session of the user, so it takes effect now. */
  async refresh(
    userId: string,
    change: Partial<Pick<SessionRecord, 'roles' | 'groups' | 'displayName'>>,
  ): Promise<void> {
    for (const item of await this.all(userId)) {
      const ttl = Math.max(
        1,
        Math.floor((Date.parse(item.value.expiresAt) - this.deps.now().getTime()) / 1000),
      );
      await this.sessions.put(item.partition, item.id, { ...item.value, ...change }, { ttlSeconds: ttl });
    }
  }

  async count(userId: string): Promise<number> {
    return (await this.all(userId)).length;
  }

  private async all(userId: string) {
    const out = [];
    let cursor: string | undefined;
    do {
      const page = await this.sessions.query(sessionPartition(userId), {
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      out.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return out;
  }
}

export const toSession = (record: SessionRecord): Session => ({
  email: record.email,
  displayName: record.displayName,
  roles: record.roles,
  groups: record.groups,
  source: record.source,
  authenticated: true,
});
