/**
 * The vault in process memory: for unit tests and for code that needs a VaultBackend without
 * storage. Same validation and metadata rules as every other backend.
 */
import {
  checkActor,
  checkRef,
  checkScope,
  checkPlugin,
  checkValue,
  hashActor,
  refKey,
  sameScope,
} from '../credential-ref.js';
import { checkTenantSecretKey, checkTenantSecretPrefix, type TenantSecretStore } from '../tenant-secrets.js';
import type { CredentialMetadata, CredentialRef, CredentialScope, VaultBackend } from '../vault.port.js';

interface Entry {
  meta: CredentialMetadata;
  value: string;
}

export class MemoryVaultBackend implements VaultBackend, TenantSecretStore {
  readonly kind = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly tenantSecrets = new Map<string, string>();

  constructor(readonly tenant: string) {}

  async put(ref: CredentialRef, value: string, actor: string): Promise<CredentialMetadata> {
    const r = checkRef(ref);
    const v = checkValue(value);
    const a = checkActor(actor);
    const key = refKey(r);
    const previous = this.entries.get(key);
    const meta: CredentialMetadata = {
      plugin: r.plugin,
      name: r.name,
      scope: r.scope,
      setBy: hashActor(this.tenant, a),
      setAt: new Date().toISOString(),
      version: (previous?.meta.version ?? 0) + 1,
    };
    this.entries.set(key, { meta, value: v });
    return { ...meta };
  }

  async get(ref: CredentialRef): Promise<string | undefined> {
    const entry = this.entries.get(refKey(checkRef(ref)));
    if (!entry) return undefined;
    entry.meta.lastUsedAt = new Date().toISOString();
    return entry.value;
  }

  async list(filter: { plugin?: string; scope?: CredentialScope } = {}): Promise<CredentialMetadata[]> {
    const plugin = filter.plugin === undefined ? undefined : checkPlugin(filter.plugin);
    const scope = filter.scope === undefined ? undefined : checkScope(filter.scope);
    return [...this.entries.values()]
      .map((e) => e.meta)
      .filter((m) => (plugin === undefined || m.plugin === plugin) && (!scope || sameScope(m.scope, scope)))
      .map((m) => ({ ...m }));
  }

  async delete(ref: CredentialRef, actor: string): Promise<boolean> {
    checkActor(actor);
    return this.entries.delete(refKey(checkRef(ref)));
  }

  async putTenantSecret(key: string, value: string, actor: string): Promise<void> {
    checkActor(actor);
    this.tenantSecrets.set(checkTenantSecretKey(key), checkValue(value));
  }

  async hasTenantSecret(key: string): Promise<boolean> {
    return this.tenantSecrets.has(checkTenantSecretKey(key));
  }

  async listTenantSecrets(prefix: string): Promise<string[]> {
    const p = checkTenantSecretPrefix(prefix);
    return [...this.tenantSecrets.keys()].filter((k) => k.startsWith(p)).sort();
  }

  async deleteTenantSecret(key: string, actor: string): Promise<boolean> {
    checkActor(actor);
    return this.tenantSecrets.delete(checkTenantSecretKey(key));
  }
}
