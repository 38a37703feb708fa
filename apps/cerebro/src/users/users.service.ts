/**
 * Users of the tenant: access requests, approval, roles, disabling. A person's record is keyed by
 * the hashed e-mail (userIdOf); status decides whether any sign-in plane lets them in.
 */
import type { Role } from '@cw/identity';
import { userIdOf, type CerebroDeps } from '../deps.js';
import { audit } from '../audit/audit.js';
import { ConflictError, InputError, NotFoundError } from '../http/errors.js';
import type { SessionService } from '../http/session.js';
import { USERS, USERS_PARTITION, type UserRecord } from '../store/collections.js';

const EMAIL = /^[^\s@<>()",;:]{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,}$/;

export function normalizeEmail(value: unknown, field = 'email'): string {
  const email = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!EMAIL.test(email)) throw new InputError(field, 'must be an e-mail address such as ana@example.com');
  return email;
}

export function requiredText(value: unknown, field: string, max: number): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) throw new InputError(field, 'is required');
  if (text.length > max) throw new InputError(field, `must be at most ${max} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new InputError(field, 'must not contain control characters');
  return text;
}

export class UsersService {
  constructor(
    private readonly deps: CerebroDeps,
    private readonly sessions: SessionService,
  ) {}

  /**
   * Run when a person's access ends everywhere (disabled, "sign out everywhere" by them or a
   * manager), after their sessions: the OAuth module revokes their external clients' grants here.
   */
  readonly onEndedEverywhere: Array<(userId: string) => Promise<unknown>> = [];

  private async endedEverywhere(userId: string): Promise<void> {
    for (const fn of this.onEndedEverywhere) await fn(userId);
  }

  private get users() {
    return this.deps.store.collection(USERS);
  }

  idOf(email: string): string {
    return userIdOf(this.deps.config.tenant, email);
  }

  async get(userId: string): Promise<UserRecord | undefined> {
    return (await this.users.get(USERS_PARTITION, userId))?.value;
  }

  async byEmail(email: string): Promise<UserRecord | undefined> {
    const found = await this.get(this.idOf(email));
    if (found) return found;
    // Bootstrap managers exist from the first sign-in on, without an access request.
    if (this.deps.config.bootstrapManagers.some((m) => m.toLowerCase() === email)) {
      return this.save({
        userId: this.idOf(email),
        email,
        displayName: email.split('@')[0] ?? email,
        status: 'active',
        roles: ['manager'],
        source: 'magic_link',
        idpGroups: [],
        createdAt: this.deps.now().toISOString(),
      });
    }
    return undefined;
  }

  async list(): Promise<UserRecord[]> {
    const out: UserRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.users.query(USERS_PARTITION, { limit: 1000, ...(cursor ? { cursor } : {}) });
      out.push(...page.items.map((i) => i.value));
      cursor = page.cursor;
    } while (cursor);
    return out.sort((a, b) => a.email.localeCompare(b.email));
  }

  async save(user: UserRecord): Promise<UserRecord> {
    await this.users.put(USERS_PARTITION, user.userId, user);
    return user;
  }

  /** "Request access": a pending account, or nothing new when the address is already known. */
  async requestAccess(input: {
    name: unknown;
    email: unknown;
    company: unknown;
  }): Promise<{ created: boolean }> {
    const email = normalizeEmail(input.email);
    const displayName = requiredText(input.name, 'name', 100);
    const company =
      typeof input.company === 'string' && input.company.trim()
        ? requiredText(input.company, 'company', 100)
        : undefined;
    if (await this.byEmail(email)) return { created: false };
    const user: UserRecord = {
      userId: this.idOf(email),
      email,
      displayName,
      ...(company ? { company } : {}),
      status: 'pending',
      roles: ['viewer'],
      source: 'magic_link',
      idpGroups: [],
      createdAt: this.deps.now().toISOString(),
    };
    try {
      await this.users.create(USERS_PARTITION, user.userId, user);
    } catch (error) {
      if ((error as Error).name === 'AlreadyExistsError') return { created: false };
      throw error;
    }
    await audit(this.deps, {
      action: 'access.requested',
      actor: user.userId,
      source: 'magic_link',
      outcome: 'ok',
    });
    return { created: true };
  }

  async decide(userId: string, approve: boolean, managerId: string): Promise<UserRecord> {
    const user = await this.get(userId);
    if (!user) throw new NotFoundError('That access request');
    if (user.status !== 'pending') throw new ConflictError('That request was already decided.');
    const decided = await this.save({
      ...user,
      status: approve ? 'active' : 'rejected',
      decidedBy: managerId,
      decidedAt: this.deps.now().toISOString(),
    });
    await audit(this.deps, {
      action: approve ? 'access.approved' : 'access.rejected',
      actor: managerId,
      target: userId,
      outcome: 'ok',
    });
    return decided;
  }

  async setRoles(userId: string, roles: Role[], managerId: string): Promise<void> {
    const user = await this.get(userId);
    if (!user) throw new NotFoundError('That user');
    if (user.source === 'oidc')
      throw new ConflictError("This person's roles come from your identity provider; change them there.");
    await this.save({ ...user, roles });
    await this.sessions.refresh(userId, { roles });
    await audit(this.deps, {
      action: 'user.roles',
      actor: managerId,
      target: userId,
      outcome: 'ok',
      reason: roles.join(','),
    });
  }

  /** Disabling ends every session at once (revoke on removal). */
  async setDisabled(userId: string, disabled: boolean, managerId: string): Promise<void> {
    const user = await this.get(userId);
    if (!user) throw new NotFoundError('That user');
    await this.save({ ...user, status: disabled ? 'disabled' : 'active' });
    if (disabled) await this.sessions.revokeAll(userId);
    if (disabled) await this.endedEverywhere(userId);
    await audit(this.deps, {
      action: disabled ? 'user.disabled' : 'user.enabled',
      actor: managerId,
      target: userId,
      outcome: 'ok',
    });
  }

  async signOutEverywhere(userId: string, actorId: string): Promise<number> {
    const count = await this.sessions.revokeAll(userId);
    await this.endedEverywhere(userId);
    await audit(this.deps, {
      action: 'session.revoke-all',
      actor: actorId,
      target: userId,
      outcome: 'ok',
      reason: String(count),
    });
    return count;
  }
}
