/**
 * VaultBackend over any SecretDriver (Azure Key Vault, AWS Secrets Manager, GCP Secret Manager,
 * HashiCorp Vault). A credential is one secret named `cred-<plugin>-<hash>` under the tenant's
 * prefix; its metadata are labels (plugin, name, level, a hash of the scope id, hashed actor, time,
 * version), so neither the value nor a user id or e-mail is ever visible in a cloud console.
 * Because scope ids are stored only hashed, `list()` returns raw ids only for the scope asked
 * for; listing every scope returns user/group ids as `sha256:<hash>` (docs/vault.md).
 */
import { createHash } from 'node:crypto';
import {
  checkActor,
  checkPlugin,
  checkRef,
  checkScope,
  checkValue,
  hashActor,
  storageName,
} from '../../credential-ref.js';
import { unavailable } from '../../vault.errors.js';
import type { CredentialMetadata, CredentialRef, CredentialScope, VaultBackend } from '../../vault.port.js';
import type { SecretDriver, SecretLabels } from './secret-driver.js';
import {
  checkTenantSecretKey,
  checkTenantSecretPrefix,
  type TenantSecretStore,
} from '../../tenant-secrets.js';

const L = {
  plugin: 'cw-plugin',
  name: 'cw-name',
  level: 'cw-level',
  scope: 'cw-scope',
  setBy: 'cw-set-by',
  setAt: 'cw-set-at',
  version: 'cw-version',
} as const;

export class CloudVaultBackend implements VaultBackend, TenantSecretStore {
  readonly kind: string;

  constructor(
    readonly tenant: string,
    readonly driver: SecretDriver,
  ) {
    this.kind = driver.kind;
  }

  /** The name a ref is stored under, relative to the driver's prefix. */
  nameOf(ref: CredentialRef): string {
    return storageName(this.tenant, checkRef(ref));
  }

  private scopeHash(scope: CredentialScope): string {
    if (scope.level === 'org') return 'org';
    const id = scope.level === 'user' ? scope.userId : scope.groupId;
    return createHash('sha256')
      .update(`${this.tenant}\u0000${scope.level}\u0000${id}`)
      .digest('hex')
      .slice(0, 32);
  }

  async put(ref: CredentialRef, value: string, actor: string): Promise<CredentialMetadata> {
    const r = checkRef(ref);
    const v = checkValue(value);
    const setBy = hashActor(this.tenant, checkActor(actor));
    const name = this.nameOf(r);
    return this.guard(async () => {
      const previous = await this.driver.labels(name);
      const version = Number(previous?.[L.version] ?? 0) + 1;
      const setAt = Date.now();
      await this.driver.write(name, v, {
        [L.plugin]: r.plugin,
        [L.name]: r.name,
        [L.level]: r.scope.level,
        [L.scope]: this.scopeHash(r.scope),
        [L.setBy]: setBy,
        [L.setAt]: String(setAt),
        [L.version]: String(version),
      });
      return {
        plugin: r.plugin,
        name: r.name,
        scope: r.scope,
        setBy,
        setAt: new Date(setAt).toISOString(),
        version,
      };
    });
  }

  async get(ref: CredentialRef): Promise<string | undefined> {
    const name = this.nameOf(ref);
    return this.guard(() => this.driver.read(name));
  }

  async list(filter: { plugin?: string; scope?: CredentialScope } = {}): Promise<CredentialMetadata[]> {
    const plugin = filter.plugin === undefined ? undefined : checkPlugin(filter.plugin);
    const scope = filter.scope === undefined ? undefined : checkScope(filter.scope);
    const found = await this.guard(() => this.driver.list(plugin ? `cred-${plugin}-` : 'cred-'));
    const out: CredentialMetadata[] = [];
    for (const { labels } of found) {
      const m = this.toMetadata(labels, scope);
      if (m && (plugin === undefined || m.plugin === plugin)) out.push(m);
    }
    return out;
  }

  async delete(ref: CredentialRef, actor: string): Promise<boolean> {
    checkActor(actor);
    const name = this.nameOf(ref);
    return this.guard(() => this.driver.remove(name));
  }

  /**
   * Offboarding: every `cred-*` secret under the tenant's prefix removed by name. The listed
   * metadata cannot be turned back into refs (user and group ids are kept hashed in the labels),
   * so this works on the names the driver lists. Returns how many went.
   */
  async purgeCredentials(): Promise<number> {
    return this.guard(async () => {
      let removed = 0;
      for (const { name } of await this.driver.list('cred-'))
        if (await this.driver.remove(name)) removed += 1;
      return removed;
    });
  }

  async putTenantSecret(key: string, value: string, actor: string): Promise<void> {
    const k = checkTenantSecretKey(key);
    const v = checkValue(value);
    const setBy = hashActor(this.tenant, checkActor(actor));
    await this.guard(() =>
      this.driver.write(k, v, {
        'cw-kind': 'tenant-secret',
        [L.setBy]: setBy,
        [L.setAt]: String(Date.now()),
      }),
    );
  }

  async hasTenantSecret(key: string): Promise<boolean> {
    const k = checkTenantSecretKey(key);
    // A secret the stack created empty has labels but no value yet: only a value counts.
    return this.guard(async () => (await this.driver.read(k)) !== undefined);
  }

  async listTenantSecrets(prefix: string): Promise<string[]> {
    const p = checkTenantSecretPrefix(prefix);
    return this.guard(async () => {
      const found = (await this.driver.list(p)).filter((s) => !s.name.startsWith('cred-'));
      // Like `has`: a secret the stack created empty (no value yet) is not listed.
      const named: string[] = [];
      for (const { name } of found) if ((await this.driver.read(name)) !== undefined) named.push(name);
      return named.sort();
    });
  }

  async deleteTenantSecret(key: string, actor: string): Promise<boolean> {
    const k = checkTenantSecretKey(key);
    checkActor(actor);
    return this.guard(() => this.driver.remove(k));
  }

  private toMetadata(
    labels: SecretLabels,
    scope: CredentialScope | undefined,
  ): CredentialMetadata | undefined {
    const level = labels[L.level];
    const plugin = labels[L.plugin];
    const name = labels[L.name];
    const hash = labels[L.scope];
    if (!plugin || !name || !hash || (level !== 'user' && level !== 'group' && level !== 'org'))
      return undefined;
    if (scope && (scope.level !== level || this.scopeHash(scope) !== hash)) return undefined;
    const stored: CredentialScope =
      scope ??
      (level === 'org'
        ? { level: 'org' }
        : level === 'user'
          ? { level: 'user', userId: `sha256:${hash}` }
          : { level: 'group', groupId: `sha256:${hash}` });
    const setAt = Number(labels[L.setAt]);
    return {
      plugin,
      name,
      scope: stored,
      setBy: labels[L.setBy] ?? '',
      setAt: Number.isFinite(setAt) ? new Date(setAt).toISOString() : '',
      version: Number(labels[L.version] ?? 1),
    };
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw unavailable(this.kind, error);
    }
  }
}
