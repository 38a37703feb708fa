/**
 * oidc-provider's storage (sessions, interactions, registered clients, grants, authorization
 * codes, refresh tokens, replay detection) in the tenant store, so a restart or another replica
 * keeps the flow going. One collection; the partition is the model name.
 *
 * Ids of codes, refresh tokens and sessions are bearer secrets: rows are keyed by sha256 of the
 * id and the id itself is not kept in the row (`jti` is put back on read), so a store dump holds
 * no usable token. Secondary lookups (session by uid, everything of a grant for revocation) are
 * index rows in their own partitions; the session-by-uid row needs the session id back, so it
 * holds it sealed (AES-256-GCM with a key derived from cerebro's session key, not in the store).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defineCollection, type Collection, type TenantStore } from '@cw/tenant-store';

const recordSchema = z.object({
  payload: z.record(z.string(), z.unknown()),
  /** For the grant index: the model and hashed key of an entry to delete on revocation. */
  ref: z.object({ model: z.string().max(64), key: z.string().max(64) }).optional(),
});
type OAuthRecord = z.output<typeof recordSchema>;

export const OAUTH_RECORDS = defineCollection('cerebro_oauth', recordSchema);

/** The longest any oidc-provider entry lives when it has no expiry of its own. */
const FALLBACK_TTL_SECONDS = 30 * 86_400;

const hashed = (id: string): string => createHash('sha256').update(id).digest('hex');

type Payload = Record<string, unknown>;

function seal(key: Buffer, value: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

function unseal(key: Buffer, sealed: string): string | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

export class TenantStoreOidcAdapter {
  private readonly records: Collection<OAuthRecord>;

  /** `sealKey`: 32 bytes that never reach the store (derived from the session key). */
  constructor(
    private readonly model: string,
    store: TenantStore,
    private readonly sealKey: Buffer,
  ) {
    this.records = store.collection(OAUTH_RECORDS);
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    const ttlSeconds = Math.max(1, Math.ceil(expiresIn ?? FALLBACK_TTL_SECONDS));
    const key = hashed(id);
    const { jti: _jti, ...rest } = payload;
    await this.records.put(this.model, key, { payload: rest }, { ttlSeconds });
    if (typeof payload.uid === 'string')
      await this.records.put(
        `${this.model}:uid`,
        hashed(payload.uid),
        { payload: { sealed: seal(this.sealKey, id) } },
        { ttlSeconds },
      );
    if (this.model === 'Grant' && typeof payload.accountId === 'string')
      await indexConnection(this.records, payload.accountId, key, payload, ttlSeconds);
    if (
      this.model === 'RefreshToken' &&
      typeof payload.accountId === 'string' &&
      typeof payload.grantId === 'string'
    )
      await touchConnection(this.records, payload.accountId, hashed(payload.grantId));
    if (typeof payload.grantId === 'string')
      await this.records.put(
        `grant:${hashed(payload.grantId)}`,
        `${this.model}:${key}`,
        { payload: {}, ref: { model: this.model, key } },
        { ttlSeconds },
      );
  }

  async find(id: string): Promise<Payload | undefined> {
    const found = await this.records.get(this.model, hashed(id));
    return found ? { ...found.value.payload, jti: id } : undefined;
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    const index = await this.records.get(`${this.model}:uid`, hashed(uid));
    const sealed = index?.value.payload.sealed;
    const id = typeof sealed === 'string' ? unseal(this.sealKey, sealed) : undefined;
    return id ? this.find(id) : undefined;
  }

  findByUserCode(): Promise<Payload | undefined> {
    // Device flow is not enabled.
    return Promise.resolve(undefined);
  }

  async consume(id: string): Promise<void> {
    const key = hashed(id);
    const found = await this.records.get(this.model, key);
    if (!found) return;
    const left = found.expiresAt
      ? Math.max(1, Math.ceil((found.expiresAt.getTime() - Date.now()) / 1000))
      : FALLBACK_TTL_SECONDS;
    await this.records.put(
      this.model,
      key,
      { payload: { ...found.value.payload, consumed: Math.floor(Date.now() / 1000) } },
      { ttlSeconds: left },
    );
  }

  async destroy(id: string): Promise<void> {
    const key = hashed(id);
    if (this.model === 'Grant') {
      const found = await this.records.get(this.model, key);
      const accountId = found?.value.payload.accountId;
      if (typeof accountId === 'string') await this.records.delete(accountPartition(accountId), key);
    }
    await this.records.delete(this.model, key);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await revokeGrantEntries(this.records, hashed(grantId));
  }
}

const accountPartition = (accountId: string) => `account:${accountId}`;

/** Deletes every code / refresh token / access token entry of a grant (by the grant's hashed id). */
async function revokeGrantEntries(records: Collection<OAuthRecord>, grantKey: string): Promise<void> {
  const partition = `grant:${grantKey}`;
  let cursor: string | undefined;
  do {
    const page = await records.query(partition, { limit: 200, ...(cursor ? { cursor } : {}) });
    for (const item of page.items) {
      const ref = item.value.ref;
      if (ref) await records.delete(ref.model, ref.key);
      await records.delete(partition, item.id);
    }
    cursor = page.cursor;
  } while (cursor);
}

/** The person's index of their connections (one row per grant), for the Connected applications page. */
async function indexConnection(
  records: Collection<OAuthRecord>,
  accountId: string,
  grantKey: string,
  grant: Payload,
  ttlSeconds: number,
): Promise<void> {
  const partition = accountPartition(accountId);
  const before = await records.get(partition, grantKey);
  const resources =
    grant.resources && typeof grant.resources === 'object' ? Object.keys(grant.resources) : [];
  await records.put(
    partition,
    grantKey,
    {
      payload: {
        clientId: grant.clientId,
        resources,
        allowedAt: before?.value.payload.allowedAt ?? grant.iat ?? Math.floor(Date.now() / 1000),
        ...(before?.value.payload.lastUsedAt ? { lastUsedAt: before.value.payload.lastUsedAt } : {}),
      },
    },
    { ttlSeconds },
  );
}

/** A refresh token was issued for the grant (code exchange or refresh): the connection was used. */
async function touchConnection(
  records: Collection<OAuthRecord>,
  accountId: string,
  grantKey: string,
): Promise<void> {
  const partition = accountPartition(accountId);
  const row = await records.get(partition, grantKey);
  if (!row) return;
  const left = row.expiresAt
    ? Math.max(1, Math.ceil((row.expiresAt.getTime() - Date.now()) / 1000))
    : FALLBACK_TTL_SECONDS;
  await records.put(
    partition,
    grantKey,
    { payload: { ...row.value.payload, lastUsedAt: Math.floor(Date.now() / 1000) } },
    { ttlSeconds: left },
  );
}

/** One external client a person allowed (a grant); `id` is the grant's hashed id, not the grant id. */
export interface Connection {
  readonly id: string;
  readonly accountId: string;
  readonly clientId: string;
  readonly resources: readonly string[];
  readonly allowedAt: Date;
  readonly lastUsedAt?: Date;
  readonly expiresAt?: Date;
}

/** Read and revoke connections (grants) per person, outside oidc-provider's own flows. */
export class OAuthConnections {
  private readonly records: Collection<OAuthRecord>;

  constructor(store: TenantStore) {
    this.records = store.collection(OAUTH_RECORDS);
  }

  async of(accountId: string): Promise<Connection[]> {
    const out: Connection[] = [];
    const partition = accountPartition(accountId);
    let cursor: string | undefined;
    do {
      const page = await this.records.query(partition, { limit: 200, ...(cursor ? { cursor } : {}) });
      for (const item of page.items)
        out.push(toConnection(accountId, item.id, item.value.payload, item.expiresAt));
      cursor = page.cursor;
    } while (cursor);
    return out.sort((a, b) => b.allowedAt.getTime() - a.allowedAt.getTime());
  }

  /** Every person's connections in the tenant (the managers' view). */
  async all(): Promise<Connection[]> {
    const out: Connection[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.records.query('Grant', { limit: 200, ...(cursor ? { cursor } : {}) });
      for (const item of page.items) {
        const accountId = item.value.payload.accountId;
        if (typeof accountId !== 'string') continue;
        const row = await this.records.get(accountPartition(accountId), item.id);
        out.push(
          toConnection(accountId, item.id, { ...item.value.payload, ...row?.value.payload }, item.expiresAt),
        );
      }
      cursor = page.cursor;
    } while (cursor);
    return out.sort((a, b) => b.allowedAt.getTime() - a.allowedAt.getTime());
  }

  /**
   * Ends one connection at once: the grant, its refresh tokens and codes are deleted, so the
   * client's next refresh fails (`invalid_grant`). Access tokens already issued are JWTs the
   * engines verify offline: they live out their ≤ 300 s.
   */
  async revoke(accountId: string, id: string): Promise<boolean> {
    if (!/^[0-9a-f]{64}$/.test(id)) return false;
    const grant = await this.records.get('Grant', id);
    const row = await this.records.get(accountPartition(accountId), id);
    if (!row && grant?.value.payload.accountId !== accountId) return false;
    await revokeGrantEntries(this.records, id);
    await this.records.delete('Grant', id);
    await this.records.delete(accountPartition(accountId), id);
    return true;
  }

  /**
   * Indexes grants saved before the per-person index existed (run once at boot; idempotent).
   * Returns how many were added.
   */
  async backfill(): Promise<number> {
    let n = 0;
    let cursor: string | undefined;
    do {
      const page = await this.records.query('Grant', { limit: 200, ...(cursor ? { cursor } : {}) });
      for (const item of page.items) {
        const accountId = item.value.payload.accountId;
        if (typeof accountId !== 'string') continue;
        if (await this.records.get(accountPartition(accountId), item.id)) continue;
        const ttlSeconds = item.expiresAt
          ? Math.max(1, Math.ceil((item.expiresAt.getTime() - Date.now()) / 1000))
          : FALLBACK_TTL_SECONDS;
        await indexConnection(this.records, accountId, item.id, item.value.payload, ttlSeconds);
        n += 1;
      }
      cursor = page.cursor;
    } while (cursor);
    return n;
  }

  /** Ends every connection of a person (sign out everywhere, disabling). Returns how many. */
  async revokeAll(accountId: string): Promise<number> {
    let n = 0;
    for (const c of await this.of(accountId)) if (await this.revoke(accountId, c.id)) n += 1;
    return n;
  }
}

function toConnection(accountId: string, id: string, p: Payload, expiresAt: Date | undefined): Connection {
  const seconds = (v: unknown) => (typeof v === 'number' ? new Date(v * 1000) : undefined);
  const resources = Array.isArray(p.resources)
    ? p.resources.map(String)
    : p.resources && typeof p.resources === 'object'
      ? Object.keys(p.resources)
      : [];
  const lastUsedAt = seconds(p.lastUsedAt);
  return {
    id,
    accountId,
    clientId: String(p.clientId ?? ''),
    resources,
    allowedAt: seconds(p.allowedAt) ?? seconds(p.iat) ?? new Date(0),
    ...(lastUsedAt ? { lastUsedAt } : {}),
    ...(expiresAt ? { expiresAt } : {}),
  };
}

/** The class oidc-provider instantiates per model (`new Adapter('Session')`). */
export const adapterFor = (store: TenantStore, sealKey: Buffer) =>
  class extends TenantStoreOidcAdapter {
    constructor(model: string) {
      super(model, store, sealKey);
    }
  };
