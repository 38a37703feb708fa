/**
 * Audit rows: one per call, allowed or refused. They hold a hashed user id
 * (`sha256(tenant salt + user id)`), the tool, the decision and reason, latency, result class and
 * correlation id — never argument values, credentials, results or e-mail addresses.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineCollection, type TenantStore } from '@cw/tenant-store';
import type { ResultClass } from './decision.js';

export const userHash = (salt: string, userId: string): string =>
  createHash('sha256').update(salt).update(userId).digest('hex');

export const auditRowSchema = z.strictObject({
  at: z.string(),
  engine: z.string(),
  userHash: z.string().regex(/^[0-9a-f]{64}$/),
  tool: z.string().max(200),
  decision: z.enum(['allow', 'refuse', 'pending']),
  reason: z.string().max(64),
  result: z.enum(['ok', 'error', 'refused', 'pending']),
  latencyMs: z.number().min(0),
  correlationId: z.string().max(128),
  /** Identity-looking argument keys removed before the tool ran (names only). */
  strippedKeys: z.array(z.string().max(64)).max(50).optional(),
  approvalId: z.string().max(64).optional(),
});
export type AuditRow = z.output<typeof auditRowSchema>;
export type { ResultClass };

export const AUDIT = defineCollection('mcp_audit', auditRowSchema);
const AUDIT_TTL_SECONDS = 400 * 24 * 3600;

export class AuditLog {
  constructor(private readonly store: TenantStore) {}

  async write(row: AuditRow): Promise<void> {
    const value = auditRowSchema.parse(row);
    await this.store
      .collection(AUDIT)
      .create(row.engine, `${row.at}_${row.correlationId}`, value, { ttlSeconds: AUDIT_TTL_SECONDS });
  }

  async recent(engine: string, limit = 100): Promise<AuditRow[]> {
    const page = await this.store.collection(AUDIT).query(engine, { limit, order: 'desc' });
    return page.items.map((i) => i.value);
  }
}
