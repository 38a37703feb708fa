/**
 * Single-use e-mail tokens, stored as sha256 hashes only. Consuming is one conditional UPDATE, so
 * two clicks on the same link cannot both succeed.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { emailTokens } from '../schema.js';
import type { Executor } from '../executor.js';
import type { EmailTokenRecord, TokenPurpose } from '../types.js';

type Row = typeof emailTokens.$inferSelect;
const toRecord = (row: Row): EmailTokenRecord => ({
  id: row.id,
  tenantId: row.tenantId,
  purpose: row.purpose,
  expiresAt: row.expiresAt,
  usedAt: row.usedAt,
  revokedAt: row.revokedAt,
  createdAt: row.createdAt,
});

export type ConsumeResult =
  | { status: 'ok'; token: EmailTokenRecord }
  | { status: 'used' | 'expired' | 'revoked' | 'unknown'; token?: EmailTokenRecord };

export class EmailTokenRepository {
  constructor(private readonly db: Executor) {}

  async create(input: {
    tenantId: string;
    tokenHash: string;
    purpose: TokenPurpose;
    expiresAt: Date;
  }): Promise<EmailTokenRecord> {
    const [row] = await this.db
      .insert(emailTokens)
      .values({ id: randomUUID(), ...input, createdAt: new Date() })
      .returning();
    return toRecord(row!);
  }

  /** Marks the token used if it is valid at `now`; otherwise says why it is not. */
  async consume(tokenHash: string, purpose: TokenPurpose, now = new Date()): Promise<ConsumeResult> {
    const [row] = await this.db
      .update(emailTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(emailTokens.tokenHash, tokenHash),
          eq(emailTokens.purpose, purpose),
          isNull(emailTokens.usedAt),
          isNull(emailTokens.revokedAt),
          gt(emailTokens.expiresAt, now),
        ),
      )
      .returning();
    if (row) return { status: 'ok', token: toRecord(row) };
    const [existing] = await this.db
      .select()
      .from(emailTokens)
      .where(and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, purpose)));
    if (!existing) return { status: 'unknown' };
    const token = toRecord(existing);
    if (token.usedAt) return { status: 'used', token };
    if (token.revokedAt) return { status: 'revoked', token };
    return { status: 'expired', token };
  }

  /**
   * Revokes a tenant's open tokens of one purpose (a resend makes older links invalid), or of
   * every purpose (`'any'`: the tenant is gone).
   */
  async revokeOpen(tenantId: string, purpose: TokenPurpose | 'any', now = new Date()): Promise<number> {
    const rows = await this.db
      .update(emailTokens)
      .set({ revokedAt: now })
      .where(
        and(
          eq(emailTokens.tenantId, tenantId),
          purpose === 'any' ? undefined : eq(emailTokens.purpose, purpose),
          isNull(emailTokens.usedAt),
          isNull(emailTokens.revokedAt),
        ),
      )
      .returning({ id: emailTokens.id });
    return rows.length;
  }

  /**
   * Locks a tenant's open tokens until the transaction ends. Taken before the tenant row by
   * whoever revokes them under that row's lock: following a link locks its token and then the
   * tenant, so the same order on both sides cannot deadlock.
   */
  async lockOpen(tenantId: string): Promise<number> {
    const rows = await this.db
      .select({ id: emailTokens.id })
      .from(emailTokens)
      .where(
        and(eq(emailTokens.tenantId, tenantId), isNull(emailTokens.usedAt), isNull(emailTokens.revokedAt)),
      )
      .for('update');
    return rows.length;
  }

  async listForTenant(tenantId: string): Promise<EmailTokenRecord[]> {
    const rows = await this.db.select().from(emailTokens).where(eq(emailTokens.tenantId, tenantId));
    return rows.map(toRecord);
  }
}
