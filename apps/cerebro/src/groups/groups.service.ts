/**
 * Self-service groups: anyone creates one and becomes its admin; admins invite by e-mail, remove
 * members and hand over admin; members leave. An invitation waits (per invitee) until their next
 * sign-in, by magic link or the IdP, and is accepted then. A group is a boundary for credentials,
 * knowledge and policies: its id is what sessions, tokens and vault scopes carry.
 */
import { randomBytes } from 'node:crypto';
import type { CerebroDeps } from '../deps.js';
import { audit } from '../audit/audit.js';
import { ConflictError, ForbiddenError, InputError, NotFoundError } from '../http/errors.js';
import type { SessionService } from '../http/session.js';
import { GROUPS, GROUPS_PARTITION, INVITATIONS, type GroupRecord } from '../store/collections.js';
import { normalizeEmail, requiredText, type UsersService } from '../users/users.service.js';

export interface Actor {
  userId: string;
  email: string;
  displayName: string;
}

const invitePartition = (userId: string) => `i:${userId}`;

export class GroupsService {
  constructor(
    private readonly deps: CerebroDeps,
    private readonly users: UsersService,
    private readonly sessions: SessionService,
  ) {}

  private get groups() {
    return this.deps.store.collection(GROUPS);
  }
  private get invitations() {
    return this.deps.store.collection(INVITATIONS);
  }

  async all(): Promise<GroupRecord[]> {
    const out: GroupRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.groups.query(GROUPS_PARTITION, { limit: 1000, ...(cursor ? { cursor } : {}) });
      out.push(...page.items.map((i) => i.value));
      cursor = page.cursor;
    } while (cursor);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async groupIdsOf(userId: string): Promise<string[]> {
    return (await this.all()).filter((g) => g.members.some((m) => m.userId === userId)).map((g) => g.groupId);
  }

  async mine(userId: string): Promise<GroupRecord[]> {
    return (await this.all()).filter((g) => g.members.some((m) => m.userId === userId));
  }

  async get(groupId: string): Promise<GroupRecord> {
    const item = /^g_[a-z0-9]{1,40}$/.test(groupId)
      ? await this.groups.get(GROUPS_PARTITION, groupId)
      : undefined;
    if (!item) throw new NotFoundError('That group');
    return item.value;
  }

  isAdmin(group: GroupRecord, userId: string): boolean {
    return group.members.some((m) => m.userId === userId && m.admin);
  }

  async create(actor: Actor, input: { name: unknown; description: unknown }): Promise<GroupRecord> {
    const name = requiredText(input.name, 'name', 80);
    const description = typeof input.description === 'string' ? input.description.trim().slice(0, 500) : '';
    if ((await this.all()).some((g) => g.name.toLowerCase() === name.toLowerCase())) {
      throw new InputError('name', 'a group with this name exists already');
    }
    const group: GroupRecord = {
      groupId: `g_${randomBytes(8).toString('hex')}`,
      name,
      description,
      members: [{ ...actor, admin: true }],
      createdBy: actor.userId,
      createdAt: this.deps.now().toISOString(),
    };
    await this.groups.create(GROUPS_PARTITION, group.groupId, group);
    await this.syncSessions(actor.userId);
    await audit(this.deps, {
      action: 'group.created',
      actor: actor.userId,
      target: group.groupId,
      outcome: 'ok',
    });
    return group;
  }

  async invite(actor: Actor, groupId: string, emailInput: unknown): Promise<void> {
    const group = await this.requireAdmin(actor, groupId);
    const email = normalizeEmail(emailInput);
    const inviteeId = this.users.idOf(email);
    if (group.members.some((m) => m.userId === inviteeId))
      throw new ConflictError('That person is already a member.');
    await this.invitations.put(invitePartition(inviteeId), groupId, {
      groupId,
      groupName: group.name,
      invitedBy: actor.displayName,
      createdAt: this.deps.now().toISOString(),
    });
    // Someone unknown becomes an access request: a manager still decides who gets in.
    const known = await this.users.byEmail(email);
    if (!known) await this.users.requestAccess({ name: email.split('@')[0], email, company: undefined });
    const base = this.deps.config.url.replace(/\/$/, '');
    const active = known?.status === 'active' || this.deps.config.identity.mode === 'oidc';
    await this.deps.mailer.send({
      to: email,
      subject: `${actor.displayName} invited you to the group "${group.name}"`,
      text:
        `${actor.displayName} invited you to the group "${group.name}" in ${this.deps.config.displayName}.\n\n` +
        (active
          ? `Sign in to join: ${base}/sign-in?email=${encodeURIComponent(email)}\n`
          : `A manager approves new people first; you will get a welcome mail with a sign-in link, and you join the group when you sign in.\n`),
      tag: 'cerebro-group-invitation',
    });
    await audit(this.deps, { action: 'group.invited', actor: actor.userId, target: groupId, outcome: 'ok' });
  }

  /** At sign-in: every waiting invitation becomes a membership. */
  async acceptInvitations(person: Actor): Promise<void> {
    const { items } = await this.invitations.query(invitePartition(person.userId), { limit: 1000 });
    for (const invite of items) {
      const item = await this.groups.get(GROUPS_PARTITION, invite.value.groupId);
      if (item && !item.value.members.some((m) => m.userId === person.userId)) {
        await this.groups.put(GROUPS_PARTITION, item.id, {
          ...item.value,
          members: [
            ...item.value.members,
            { userId: person.userId, email: person.email, displayName: person.displayName, admin: false },
          ],
        });
        await audit(this.deps, {
          action: 'group.joined',
          actor: person.userId,
          target: item.id,
          outcome: 'ok',
        });
      }
      await this.invitations.delete(invite.partition, invite.id);
    }
  }

  async remove(actor: Actor, groupId: string, memberId: string): Promise<void> {
    const group = await this.requireAdmin(actor, groupId);
    if (memberId === actor.userId)
      throw new ConflictError('Use "Leave group" to leave, after handing over admin.');
    if (!group.members.some((m) => m.userId === memberId)) throw new NotFoundError('That member');
    await this.saveMembers(
      group,
      group.members.filter((m) => m.userId !== memberId),
    );
    await this.syncSessions(memberId);
    await audit(this.deps, {
      action: 'group.member-removed',
      actor: actor.userId,
      target: groupId,
      outcome: 'ok',
    });
  }

  async leave(actor: Actor, groupId: string): Promise<void> {
    const group = await this.get(groupId);
    const me = group.members.find((m) => m.userId === actor.userId);
    if (!me) throw new NotFoundError('Your membership');
    const rest = group.members.filter((m) => m.userId !== actor.userId);
    if (me.admin && rest.length > 0 && !rest.some((m) => m.admin)) {
      throw new ConflictError('You are the only admin: hand admin over to another member before leaving.');
    }
    if (rest.length === 0) await this.groups.delete(GROUPS_PARTITION, groupId);
    else await this.saveMembers(group, rest);
    await this.syncSessions(actor.userId);
    await audit(this.deps, { action: 'group.left', actor: actor.userId, target: groupId, outcome: 'ok' });
  }

  async transferAdmin(actor: Actor, groupId: string, toUserId: unknown): Promise<void> {
    const group = await this.requireAdmin(actor, groupId);
    if (typeof toUserId !== 'string' || !group.members.some((m) => m.userId === toUserId)) {
      throw new InputError('member', 'must be a member of this group');
    }
    if (toUserId === actor.userId) throw new InputError('member', 'must be another member');
    await this.saveMembers(
      group,
      group.members.map((m) => ({
        ...m,
        admin: m.userId === toUserId ? true : m.userId === actor.userId ? false : m.admin,
      })),
    );
    await audit(this.deps, {
      action: 'group.admin-transferred',
      actor: actor.userId,
      target: groupId,
      outcome: 'ok',
    });
  }

  private async requireAdmin(actor: Actor, groupId: string): Promise<GroupRecord> {
    const group = await this.get(groupId);
    if (!this.isAdmin(group, actor.userId))
      throw new ForbiddenError('Only an admin of this group can do that.');
    return group;
  }

  private async saveMembers(group: GroupRecord, members: GroupRecord['members']): Promise<void> {
    await this.groups.put(GROUPS_PARTITION, group.groupId, { ...group, members });
  }

  /** Live sessions see membership changes at once (their groups feed tokens and the vault). */
  private async syncSessions(userId: string): Promise<void> {
    const user = await this.users.get(userId);
    const ids = await this.groupIdsOf(userId);
    await this.sessions.refresh(userId, { groups: [...(user?.idpGroups ?? []), ...ids] });
  }
}
