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
    await this.records.delete(this.model, hashed(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const partition = `grant:${hashed(grantId)}`;
    let cursor: string | undefined;
    do {
      const page = await this.records.query(partition, { limit: 200, ...(cursor ? { cursor } : {}) });
      for (const item of page.items) {
        const ref = item.value.ref;
        if (ref) await this.records.delete(ref.model, ref.key);
        await this.records.delete(partition, item.id);
      }
      cursor = page.cursor;
    } while (cursor);
  }
}

/** The class oidc-provider instantiates per model (`new Adapter('Session')`). */
export const adapterFor = (store: TenantStore, sealKey: Buffer) =>
  class extends TenantStoreOidcAdapter {
    constructor(model: string) {
      super(model, store, sealKey);
    }
  };
