/**
 * Who may do what with credentials, and the audit of every change. Users manage their own;
 * group admins their group's; org managers the org's. Values go in and never come out: every
 * answer is metadata. Each decision is a value `{decision, reason}` read by the audit and the
 * error alike; refused and failed changes are audited too. After a change the resolver's cached
 * entry is dropped so the next call sees the new value at once (other replicas within their TTL).
 */
import { checkRef, checkScope, checkValue, hashActor, checkPlugin, scopeKey } from './credential-ref.js';
import type { CredentialResolver } from './credential-resolver.js';
import { unavailable, VaultForbiddenError, VaultInputError } from './vault.errors.js';
import type { CredentialMetadata, CredentialRef, CredentialScope, VaultBackend } from './vault.port.js';

/** The signed-in person, as cerebro's session or the engine's token states it. */
export interface VaultActor {
  userId: string;
  groups: readonly string[];
  /** Groups this person administers. */
  adminOf?: readonly string[];
  /** Role manager (or above) in the tenant. */
  orgManager?: boolean;
}

export type VaultAction = 'set' | 'delete' | 'list';
export type Decision = { decision: 'allow'; reason: string } | { decision: 'deny'; reason: string };

export interface CredentialAuditEvent {
  action: 'credential.set' | 'credential.delete';
  /** hashActor(tenant, userId) */
  actor: string;
  plugin: string;
  name: string;
  level: CredentialScope['level'];
  /** Hash of the scope (user or group id never in clear). */
  scope: string;
  outcome: 'ok' | 'refused' | 'error';
  reason: string;
  at: string;
}

export interface ManageCredentialsOptions {
  /** Where audit rows go (the tenant store's audit collection, a logger...). Awaited. */
  audit: (event: CredentialAuditEvent) => void | Promise<void>;
  /** Resolver(s) of this process whose cache must drop a changed credential. */
  resolvers?: readonly CredentialResolver[];
  /** Whether a plugin declares a credential of that name (the plugin catalog); absent = any name. */
  declares?: (plugin: string, name: string) => boolean;
}

export function decide(actor: VaultActor, action: VaultAction, scope: CredentialScope): Decision {
  switch (scope.level) {
    case 'user':
      return scope.userId === actor.userId
        ? { decision: 'allow', reason: 'own credential' }
        : { decision: 'deny', reason: "another user's credentials" };
    case 'group':
      if (actor.adminOf?.includes(scope.groupId)) return { decision: 'allow', reason: 'group admin' };
      if (action === 'list' && actor.groups.includes(scope.groupId))
        return { decision: 'allow', reason: 'group member (metadata)' };
      return { decision: 'deny', reason: 'not an admin of that group' };
    case 'org':
      if (actor.orgManager) return { decision: 'allow', reason: 'org manager' };
      if (action === 'list') return { decision: 'allow', reason: 'member (metadata)' };
      return { decision: 'deny', reason: 'org credentials need the manager role' };
  }
}

export class ManageCredentialsUseCase {
  constructor(
    private readonly backend: VaultBackend,
    private readonly opts: ManageCredentialsOptions,
  ) {}

  /** Writes or replaces (rotates) a credential; answers its metadata. */
  async set(actor: VaultActor, ref: CredentialRef, value: string): Promise<CredentialMetadata> {
    const r = this.checkRef(ref);
    checkValue(value);
    return this.change('credential.set', actor, r, () => this.backend.put(r, value, actor.userId));
  }

  /** Same as set: a rotation is a new value under the same name. */
  rotate(actor: VaultActor, ref: CredentialRef, value: string): Promise<CredentialMetadata> {
    return this.set(actor, ref, value);
  }

  async delete(actor: VaultActor, ref: CredentialRef): Promise<boolean> {
    const r = this.checkRef(ref);
    return this.change('credential.delete', actor, r, () => this.backend.delete(r, actor.userId));
  }

  /**
   * Metadata the actor may see. With a scope: that scope (if allowed). Without: what applies to
   * them — their own, their groups', the org's — i.e. the cascade's candidates.
   */
  async list(
    actor: VaultActor,
    filter: { plugin?: string; scope?: CredentialScope } = {},
  ): Promise<CredentialMetadata[]> {
    const plugin = filter.plugin === undefined ? undefined : checkPlugin(filter.plugin);
    const scopes: CredentialScope[] = filter.scope
      ? [checkScope(filter.scope)]
      : [
          { level: 'user', userId: actor.userId },
          ...[...new Set([...actor.groups, ...(actor.adminOf ?? [])])]
            .sort()
            .map((groupId): CredentialScope => ({ level: 'group', groupId })),
          { level: 'org' },
        ];
    const out: CredentialMetadata[] = [];
    for (const scope of scopes) {
      const d = decide(actor, 'list', scope);
      if (d.decision === 'deny') throw new VaultForbiddenError(d.reason);
      out.push(...(await this.backend.list({ ...(plugin && { plugin }), scope })));
    }
    return out;
  }

  private checkRef(ref: CredentialRef): CredentialRef {
    const r = checkRef(ref);
    if (this.opts.declares && !this.opts.declares(r.plugin, r.name))
      throw new VaultInputError('name', `plugin "${r.plugin}" declares no credential "${r.name}"`);
    return r;
  }

  private async change<T>(
    action: CredentialAuditEvent['action'],
    actor: VaultActor,
    ref: CredentialRef,
    run: () => Promise<T>,
  ): Promise<T> {
    const t = this.backend.tenant;
    const row = (outcome: CredentialAuditEvent['outcome'], reason: string): CredentialAuditEvent => ({
      action,
      actor: hashActor(t, actor.userId),
      plugin: ref.plugin,
      name: ref.name,
      level: ref.scope.level,
      scope: ref.scope.level === 'org' ? 'org' : hashActor(t, scopeKey(ref.scope)),
      outcome,
      reason,
      at: new Date().toISOString(),
    });
    const d = decide(actor, action === 'credential.set' ? 'set' : 'delete', ref.scope);
    if (d.decision === 'deny') {
      await this.opts.audit(row('refused', d.reason));
      throw new VaultForbiddenError(d.reason);
    }
    let result: T;
    try {
      result = await run();
    } catch (error) {
      const failure = unavailable((this.backend as { kind?: string }).kind ?? 'vault', error);
      await this.opts.audit(row('error', failure.name));
      throw failure;
    }
    for (const resolver of this.opts.resolvers ?? []) resolver.invalidate(ref);
    await this.opts.audit(row('ok', d.reason));
    return result;
  }
}
