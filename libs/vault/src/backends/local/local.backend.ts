/**
 * The local encrypted backend (default for `npm start`, tests and single-node installs): each
 * credential is one envelope-encrypted record (sealed-record.ts) in the tenant store's
 * `vault_credentials` collection, so it lands wherever the tenant's store lives (PostgreSQL,
 * PGlite, memory). Metadata is stored beside the ciphertext in clear; the value never is.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  defineCollection,
  VersionConflictError,
  AlreadyExistsError,
  type Collection,
  type TenantStore,
} from '@cw/tenant-store';
import {
  checkActor,
  checkPlugin,
  checkRef,
  checkScope,
  checkValue,
  hashActor,
  sameScope,
} from '../../credential-ref.js';
import { unavailable } from '../../vault.errors.js';
import type { CredentialMetadata, CredentialRef, CredentialScope, VaultBackend } from '../../vault.port.js';
import {
  checkTenantSecretKey,
  checkTenantSecretPrefix,
  type TenantSecretStore,
} from '../../tenant-secrets.js';
import type { MasterKeyring } from './master-keys.js';
import { openValue, rewrap, sealValue } from './sealed-record.js';

const scopeSchema = z.discriminatedUnion('level', [
  z.object({ level: z.literal('user'), userId: z.string() }),
  z.object({ level: z.literal('group'), groupId: z.string() }),
  z.object({ level: z.literal('org') }),
]);

const recordSchema = z.object({
  v: z.literal(1),
  plugin: z.string(),
  name: z.string(),
  scope: scopeSchema,
  setBy: z.string(),
  setAt: z.string(),
  lastUsedAt: z.string().optional(),
  version: z.int(),
  keyId: z.string(),
  wrappedKey: z.string(),
  ciphertext: z.string(),
});
type CredentialRecord = z.infer<typeof recordSchema>;

export const VAULT_COLLECTION = defineCollection('vault_credentials', recordSchema);
const PARTITION = 'credentials';
const SECRETS_PARTITION = 'tenant-secrets';
/** The partitions of VAULT_COLLECTION: the cascade's credentials and the tenant secrets (purge.ts). */
export const LOCAL_VAULT_PARTITIONS = { credentials: PARTITION, tenantSecrets: SECRETS_PARTITION } as const;
/** The AAD of a tenant secret: a plugin id no credential can have (ids start with a letter). */
const tenantSecretRef = (key: string): CredentialRef => ({
  plugin: '@tenant',
  name: key,
  scope: { level: 'org' },
});
/** lastUsedAt is written back at most this often per credential (a read must not cost a write). */
/** Hour granularity is what a "last used" column needs (AWS keeps a day); finer costs a write per read burst. */
const LAST_USED_EVERY_MS = 3_600_000;
const MAX_WRITE_ATTEMPTS = 3;
const TOUCH_FLUSH_MS = 2_000;

const h = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 24);
/** Ids sort by scope first so `list({scope})` is one prefix query; scope ids appear only hashed. */
const scopePrefix = (s: CredentialScope): string =>
  s.level === 'user' ? `u-${h(s.userId)}~` : s.level === 'group' ? `g-${h(s.groupId)}~` : 'o~';
const recordId = (ref: CredentialRef): string => `${scopePrefix(ref.scope)}${ref.plugin}~${ref.name}`;

const toMetadata = (r: CredentialRecord): CredentialMetadata => ({
  plugin: r.plugin,
  name: r.name,
  scope: r.scope,
  setBy: r.setBy,
  setAt: r.setAt,
  ...(r.lastUsedAt !== undefined && { lastUsedAt: r.lastUsedAt }),
  version: r.version,
});

export interface LocalVaultOptions {
  /** Reloads the keyring (e.g. the file after a rotation); rewrapAll() calls it first. */
  reloadKeys?: () => Promise<MasterKeyring>;
}

export class LocalVaultBackend implements VaultBackend, TenantSecretStore {
  readonly kind = 'local';
  readonly tenant: string;
  private readonly records: Collection<CredentialRecord>;
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly pendingTouches = new Map<
    string,
    { record: CredentialRecord; version: string; at: number }
  >();
  private flushTouches: ReturnType<typeof setTimeout> | undefined;

  constructor(
    store: TenantStore,
    private keys: MasterKeyring,
    private readonly opts: LocalVaultOptions = {},
  ) {
    this.tenant = store.tenant;
    this.records = store.collection(VAULT_COLLECTION);
  }

  async put(ref: CredentialRef, value: string, actor: string): Promise<CredentialMetadata> {
    const r = checkRef(ref);
    const v = checkValue(value);
    const setBy = hashActor(this.tenant, checkActor(actor));
    const id = recordId(r);
    return this.guard(async () => {
      for (let attempt = 1; ; attempt++) {
        const previous = await this.records.get(PARTITION, id);
        const record: CredentialRecord = {
          v: 1,
          plugin: r.plugin,
          name: r.name,
          scope: r.scope,
          setBy,
          setAt: new Date().toISOString(),
          version: (previous?.value.version ?? 0) + 1,
          ...sealValue(this.tenant, this.keys, r, v),
        };
        try {
          if (previous) await this.records.put(PARTITION, id, record, { ifVersion: previous.version });
          else await this.records.create(PARTITION, id, record);
          return toMetadata(record);
        } catch (error) {
          const raced = error instanceof VersionConflictError || error instanceof AlreadyExistsError;
          if (!raced || attempt >= MAX_WRITE_ATTEMPTS) throw error;
        }
      }
    });
  }

  async get(ref: CredentialRef): Promise<string | undefined> {
    const r = checkRef(ref);
    const id = recordId(r);
    const item = await this.guard(() => this.records.get(PARTITION, id));
    if (!item) return undefined;
    // The AAD is built from the ref asked for, not the record's own fields: a moved record fails here.
    const value = openValue(this.tenant, this.keys, r, item.value);
    this.touch(id, item.value, item.version);
    return value;
  }

  async list(filter: { plugin?: string; scope?: CredentialScope } = {}): Promise<CredentialMetadata[]> {
    const plugin = filter.plugin === undefined ? undefined : checkPlugin(filter.plugin);
    const scope = filter.scope === undefined ? undefined : checkScope(filter.scope);
    const out: CredentialMetadata[] = [];
    await this.guard(async () => {
      let cursor: string | undefined;
      do {
        const page = await this.records.query(PARTITION, {
          limit: 1000,
          ...(cursor && { cursor }),
          ...(scope && { idPrefix: scopePrefix(scope) }),
        });
        for (const item of page.items) {
          const m = item.value;
          if ((plugin === undefined || m.plugin === plugin) && (!scope || sameScope(m.scope, scope)))
            out.push(toMetadata(m));
        }
        cursor = page.cursor;
      } while (cursor);
    });
    return out;
  }

  async delete(ref: CredentialRef, actor: string): Promise<boolean> {
    const r = checkRef(ref);
    checkActor(actor);
    return this.guard(() => this.records.delete(PARTITION, recordId(r)));
  }

  async putTenantSecret(key: string, value: string, actor: string): Promise<void> {
    const k = checkTenantSecretKey(key);
    const v = checkValue(value);
    const setBy = hashActor(this.tenant, checkActor(actor));
    const ref = tenantSecretRef(k);
    await this.guard(async () => {
      for (let attempt = 1; ; attempt++) {
        const previous = await this.records.get(SECRETS_PARTITION, k);
        const record: CredentialRecord = {
          v: 1,
          plugin: ref.plugin,
          name: k,
          scope: ref.scope,
          setBy,
          setAt: new Date().toISOString(),
          version: (previous?.value.version ?? 0) + 1,
          ...sealValue(this.tenant, this.keys, ref, v),
        };
        try {
          if (previous) await this.records.put(SECRETS_PARTITION, k, record, { ifVersion: previous.version });
          else await this.records.create(SECRETS_PARTITION, k, record);
          return;
        } catch (error) {
          const raced = error instanceof VersionConflictError || error instanceof AlreadyExistsError;
          if (!raced || attempt >= MAX_WRITE_ATTEMPTS) throw error;
        }
      }
    });
  }

  async hasTenantSecret(key: string): Promise<boolean> {
    const k = checkTenantSecretKey(key);
    return (await this.guard(() => this.records.get(SECRETS_PARTITION, k))) !== undefined;
  }

  async listTenantSecrets(prefix: string): Promise<string[]> {
    const p = checkTenantSecretPrefix(prefix);
    const names: string[] = [];
    await this.guard(async () => {
      let cursor: string | undefined;
      do {
        const page = await this.records.query(SECRETS_PARTITION, {
          limit: 500,
          ...(p && { idPrefix: p }),
          ...(cursor && { cursor }),
        });
        for (const item of page.items) if (item.id.startsWith(p)) names.push(item.id);
        cursor = page.cursor;
      } while (cursor);
    });
    return names.sort();
  }

  async deleteTenantSecret(key: string, actor: string): Promise<boolean> {
    const k = checkTenantSecretKey(key);
    checkActor(actor);
    return this.guard(() => this.records.delete(SECRETS_PARTITION, k));
  }

  /** For the process that mounts it (tests, a local cerebro): the tenant secret's value. */
  async readTenantSecret(key: string): Promise<string | undefined> {
    const k = checkTenantSecretKey(key);
    const item = await this.guard(() => this.records.get(SECRETS_PARTITION, k));
    return item ? openValue(this.tenant, this.keys, tenantSecretRef(k), item.value) : undefined;
  }

  /**
   * Master-key rotation: reloads the keyring, then re-wraps every data key not under the current
   * master key (values are not re-encrypted). Reads keep working throughout: old keys stay in the
   * keyring until the operator removes them after this returns.
   */
  async rewrapAll(): Promise<{ rewrapped: number; current: number; keyId: string }> {
    if (this.opts.reloadKeys) this.keys = await this.opts.reloadKeys();
    let rewrapped = 0;
    let current = 0;
    await this.guard(async () => {
      for (const partition of [PARTITION, SECRETS_PARTITION]) {
        let cursor: string | undefined;
        do {
          const page = await this.records.query(partition, { limit: 500, ...(cursor && { cursor }) });
          for (const item of page.items) {
            if (item.value.keyId === this.keys.current.id) {
              current++;
              continue;
            }
            const next = { ...item.value, ...rewrap(this.tenant, this.keys, item.value) };
            try {
              await this.records.put(partition, item.id, next, { ifVersion: item.version });
              rewrapped++;
            } catch (error) {
              // Rewritten meanwhile: a new write is sealed under the current key already.
              if (!(error instanceof VersionConflictError)) throw error;
              current++;
            }
          }
          cursor = page.cursor;
        } while (cursor);
      }
    });
    return { rewrapped, current, keyId: this.keys.current.id };
  }

  /**
   * Records lastUsedAt at most once an hour per credential, off the read path: touches are
   * queued and written one at a time in the background, so a burst of first reads does not turn
   * into a burst of writes competing with the reads.
   */
  private touch(id: string, record: CredentialRecord, version: string): void {
    const now = Date.now();
    const last = this.lastUsedWritten.get(id) ?? (record.lastUsedAt ? Date.parse(record.lastUsedAt) : 0);
    if (now - last < LAST_USED_EVERY_MS) return;
    this.lastUsedWritten.set(id, now);
    this.pendingTouches.set(id, { record, version, at: now });
    this.flushTouches ??= setTimeout(() => void this.writeTouches(), TOUCH_FLUSH_MS);
    this.flushTouches.unref?.();
  }

  /** Writes queued lastUsedAt updates now (on shutdown, or in tests). */
  async flushLastUsed(): Promise<void> {
    if (this.flushTouches) clearTimeout(this.flushTouches);
    await this.writeTouches();
  }

  private async writeTouches(): Promise<void> {
    const batch = [...this.pendingTouches.entries()];
    this.pendingTouches.clear();
    for (const [id, { record, version, at }] of batch) {
      await this.records
        .put(PARTITION, id, { ...record, lastUsedAt: new Date(at).toISOString() }, { ifVersion: version })
        .catch(() => undefined); // a concurrent write wins; lastUsedAt is advisory
    }
    this.flushTouches = undefined;
    if (this.pendingTouches.size > 0) {
      this.flushTouches = setTimeout(() => void this.writeTouches(), TOUCH_FLUSH_MS);
      this.flushTouches.unref?.();
    }
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw unavailable(this.kind, error);
    }
  }
}
