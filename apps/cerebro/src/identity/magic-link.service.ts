/**
 * Sign-in links by e-mail: 15 minutes (config), single use, only sha256(token) stored. The link
 * opens a confirm page (a mail scanner's GET must not use it up); the button POSTs the token.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex, type CerebroDeps } from '../deps.js';
import { RateLimitedError } from '../http/errors.js';
import { MAGIC_LINKS, MAGIC_LINKS_PARTITION } from '../store/collections.js';
import { PER_EMAIL, PER_IP, type RateLimiter } from './rate-limiter.js';
import { normalizeEmail, type UsersService } from '../users/users.service.js';
import type { UserRecord } from '../store/collections.js';

export type ConsumeResult =
  { ok: true; user: UserRecord } | { ok: false; reason: 'invalid_or_used' | 'not_active' };

export class MagicLinkService {
  constructor(
    private readonly deps: CerebroDeps,
    private readonly users: UsersService,
    private readonly limiter: RateLimiter,
  ) {}

  private get links() {
    return this.deps.store.collection(MAGIC_LINKS);
  }

  /** Rate limits by hashed e-mail and by IP; throws RateLimitedError. */
  checkRate(emailOrUserId: string, ip: string): void {
    const wait = Math.max(
      this.limiter.hit(`e:${emailOrUserId}`, PER_EMAIL),
      this.limiter.hit(`ip:${ip}`, PER_IP),
    );
    if (wait > 0) throw new RateLimitedError(wait);
  }

  /**
   * "E-mail me a link". Sends only to active accounts, but answers the same either way so the
   * form does not tell who has access.
   */
  async request(emailInput: unknown, ip: string, next = '/'): Promise<void> {
    const email = normalizeEmail(emailInput);
    const userId = this.users.idOf(email);
    this.checkRate(userId, ip);
    const user = await this.users.byEmail(email);
    if (!user || user.status !== 'active') return;
    await this.send(user, 'sign-in', next);
  }

  /**
   * Creates a link and mails it (`welcome` after approval uses the same link with a greeting).
   * `next`: a same-origin path (already checked with safeNext) the person lands on after the
   * confirmation, e.g. the consent page of an MCP client they were connecting. It is not a secret
   * (the consent page also needs that browser's interaction cookie); it is checked again on use.
   */
  async send(user: UserRecord, purpose: 'sign-in' | 'welcome', next = '/'): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    const ttl = this.deps.config.magicLink.ttlSeconds;
    await this.links.create(
      MAGIC_LINKS_PARTITION,
      sha256Hex(token),
      { userId: user.userId, purpose, createdAt: this.deps.now().toISOString() },
      { ttlSeconds: ttl },
    );
    const url = `${this.deps.config.url.replace(/\/$/, '')}/sign-in/link?token=${token}${next !== '/' ? `&next=${encodeURIComponent(next)}` : ''}`;
    const minutes = Math.round(ttl / 60);
    const site = this.deps.config.displayName;
    const greeting =
      purpose === 'welcome'
        ? `Welcome to ${site}! A manager approved your access.\n\n`
        : `Here is your sign-in link for ${site}.\n\n`;
    await this.deps.mailer.send({
      to: user.email,
      subject: purpose === 'welcome' ? `Welcome to ${site}` : `Your sign-in link for ${site}`,
      text: `${greeting}Sign in: ${url}\n\nThe link works once and for ${minutes} minutes. If it has expired, ask for a new one at ${this.deps.config.url}/sign-in.\nIf you did not ask for this, ignore this mail.`,
      tag: purpose === 'welcome' ? 'cerebro-welcome' : 'cerebro-sign-in',
    });
  }

  /** Link confirmations: per client IP only (the link itself is the secret; this stops guessing). */
  checkLinkRate(ip: string): void {
    const wait = this.limiter.hit(`link:${ip}`, PER_IP);
    if (wait > 0) throw new RateLimitedError(wait);
  }

  /** Uses the link up (delete first: two concurrent clicks cannot both sign in). */
  async consume(token: unknown): Promise<ConsumeResult> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 100)
      return { ok: false, reason: 'invalid_or_used' };
    const id = sha256Hex(token);
    const item = await this.links.get(MAGIC_LINKS_PARTITION, id);
    if (!item) return { ok: false, reason: 'invalid_or_used' };
    const deleted = await this.links
      .delete(MAGIC_LINKS_PARTITION, id, { ifVersion: item.version })
      .catch(() => false);
    if (!deleted) return { ok: false, reason: 'invalid_or_used' };
    const user = await this.users.get(item.value.userId);
    if (!user || user.status !== 'active') return { ok: false, reason: 'not_active' };
    return { ok: true, user };
  }
}
