/** The audit log: who did what to which tenant, with what outcome. Actors are hashed, never raw e-mails. */
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { auditLog } from '../schema.js';
import type { Executor } from '../executor.js';
import type { AuditActor, AuditRecord } from '../types.js';
import { pgJson, pgText } from '../pg-text.js';

type Row = typeof auditLog.$inferSelect;
const toRecord = (row: Row): AuditRecord => ({ ...row, details: row.details ?? null });

export interface NewAuditEntry {
  actor: AuditActor;
  /** Dotted verb: `tenant.signup`, `tenant.verify`, `billing.checkout`, `tenant.suspend`, ... */
  action: string;
  tenantId?: string | null;
  target?: string | null;
  /** `ok`, `denied`, `failed`, or a short word of the use case. */
  outcome: string;
  correlationId?: string | null;
  details?: Record<string, unknown> | null;
}

export class AuditRepository {
  constructor(private readonly db: Executor) {}

  async record(entry: NewAuditEntry): Promise<AuditRecord> {
    const [row] = await this.db
      .insert(auditLog)
      .values({
        // What callers recorded may carry NUL bytes (a refused request's target): see pg-text.ts.
        actor: pgJson(entry.actor),
        action: pgText(entry.action),
        tenantId: entry.tenantId ?? null,
        target: entry.target == null ? null : pgText(entry.target).slice(0, 200),
        outcome: pgText(entry.outcome),
        correlationId: entry.correlationId == null ? null : pgText(entry.correlationId),
        details: entry.details == null ? null : pgJson(entry.details),
        at: new Date(),
      })
      .returning();
    return toRecord(row!);
  }

  /** Newest first; `beforeId` pages backwards. */
  async list(
    query: { tenantId?: string; action?: string; limit?: number; beforeId?: number } = {},
  ): Promise<AuditRecord[]> {
    const where: SQL[] = [];
    if (query.tenantId) where.push(eq(auditLog.tenantId, query.tenantId));
    if (query.action) where.push(eq(auditLog.action, query.action));
    if (query.beforeId !== undefined) where.push(lt(auditLog.id, query.beforeId));
    const rows = await this.db
      .select()
      .from(auditLog)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(auditLog.id))
      .limit(Math.min(query.limit ?? 100, 1000));
    return rows.map(toRecord);
  }
}
