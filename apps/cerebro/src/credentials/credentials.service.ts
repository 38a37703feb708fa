/**
 * My Credentials: for each plugin of the tenant's engines, the credentials it declares, at three
 * levels — the person's own, each group they administer, the org (managers). Values go in and
 * never come out: the page shows only level, who set it and when (vault metadata).
 */
import { hasRole, type Role } from '@cw/identity';
import { hashActor, VaultInputError, type CredentialMetadata, type CredentialScope } from '@cw/vault';
import type { PluginManifest } from '@cw/mcp-gate';
import type { CerebroDeps } from '../deps.js';
import { audit } from '../audit/audit.js';
import { ForbiddenError, InputError, NotFoundError } from '../http/errors.js';
import type { GroupsService } from '../groups/groups.service.js';
import { PluginCatalog, pluginIdOf } from './plugin-catalog.js';

export interface CredentialActor {
  userId: string;
  roles: readonly Role[];
}

export interface PluginCredentials {
  plugin: string;
  manifest?: PluginManifest;
  engines: string[];
}

export class CredentialsService {
  readonly catalog: PluginCatalog;

  constructor(
    private readonly deps: CerebroDeps,
    private readonly groups: GroupsService,
    catalog?: PluginCatalog,
  ) {
    this.catalog = catalog ?? new PluginCatalog();
  }

  /** The plugins of every engine of the tenant, with their manifests. */
  async plugins(): Promise<PluginCredentials[]> {
    const byId = new Map<string, PluginCredentials>();
    for (const engine of this.deps.config.engines) {
      for (const entry of engine.plugins) {
        const id = pluginIdOf(entry);
        const row = byId.get(id) ?? { plugin: id, engines: [] };
        row.engines.push(engine.name);
        byId.set(id, row);
      }
    }
    const rows = [...byId.values()].sort((a, b) => a.plugin.localeCompare(b.plugin));
    for (const row of rows) {
      const manifest = await this.catalog.manifest(row.plugin);
      if (manifest) row.manifest = manifest;
    }
    return rows;
  }

  async metadata(plugin: string): Promise<CredentialMetadata[]> {
    return this.deps.vault.list({ plugin });
  }

  /** Whose hash is this? (vault metadata stores hashActor(tenant, userId)). */
  actorHash(userId: string): string {
    return hashActor(this.deps.config.tenant, userId);
  }

  /** Scope from the form + permission check: own always; group only its admins; org only managers. */
  async scopeFor(actor: CredentialActor, level: unknown, groupId: unknown): Promise<CredentialScope> {
    if (level === 'user') return { level: 'user', userId: actor.userId };
    if (level === 'org') {
      if (!hasRole(actor, 'manager')) throw new ForbiddenError('Only managers set organisation credentials.');
      return { level: 'org' };
    }
    if (level === 'group') {
      if (typeof groupId !== 'string') throw new InputError('group', 'is required for a group credential');
      const group = await this.groups.get(groupId);
      if (!this.groups.isAdmin(group, actor.userId))
        throw new ForbiddenError("Only the group's admins set its credentials.");
      return { level: 'group', groupId };
    }
    throw new InputError('level', 'must be user, group or org');
  }

  private async checkDeclared(plugin: unknown, name: unknown): Promise<{ plugin: string; name: string }> {
    const rows = await this.plugins();
    const row = rows.find((r) => r.plugin === plugin);
    if (!row) throw new NotFoundError('That plugin (on any of your engines)');
    if (row.manifest && !row.manifest.credentials.some((c) => c.name === name)) {
      throw new InputError('name', `is not a credential the ${row.plugin} plugin declares`);
    }
    if (typeof name !== 'string') throw new InputError('name', 'is required');
    return { plugin: row.plugin, name };
  }

  async set(
    actor: CredentialActor,
    input: { plugin: unknown; name: unknown; level: unknown; group: unknown; value: unknown },
  ): Promise<void> {
    const { plugin, name } = await this.checkDeclared(input.plugin, input.name);
    const scope = await this.scopeFor(actor, input.level, input.group);
    if (typeof input.value !== 'string' || input.value.length === 0)
      throw new InputError('value', 'is required');
    try {
      await this.deps.vault.put({ plugin, name, scope }, input.value, actor.userId);
    } catch (error) {
      if (error instanceof VaultInputError)
        throw new InputError(error.field === 'value' ? 'value' : error.field, error.message);
      throw error;
    }
    await audit(this.deps, {
      action: 'credential.set',
      actor: actor.userId,
      target: `${plugin}.${name}@${scope.level}`,
      outcome: 'ok',
    });
  }

  async remove(
    actor: CredentialActor,
    input: { plugin: unknown; name: unknown; level: unknown; group: unknown },
  ): Promise<void> {
    const { plugin, name } = await this.checkDeclared(input.plugin, input.name);
    const scope = await this.scopeFor(actor, input.level, input.group);
    await this.deps.vault.delete({ plugin, name, scope }, actor.userId);
    await audit(this.deps, {
      action: 'credential.deleted',
      actor: actor.userId,
      target: `${plugin}.${name}@${scope.level}`,
      outcome: 'ok',
    });
  }
}
