/** The audit log: who did what to which tenant, with what outcome. Actors are hashed, never raw e-mails. */
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { auditLog } from '../schema.js';
import type { Executor } from '../executor.js';
import type { AuditActor, AuditRecord } from '../types.js';

type Row = typeof auditLog.$inferSelect;

/**
 * PostgreSQL text and jsonb cannot hold U+0000; the audit log records what callers sent (a
 * refused request's target included), so it must never fail on it: NUL becomes U+FFFD, and a
 * target is cut to 200 characters.
 */
const pgText = (value: string): string => value.replaceAll('\u0000', '\uFFFD');
function pgJson(value: unknown): unknown {
  if (typeof value === 'string') return pgText(value);
  if (Array.isArray(value)) return value.map(pgJson);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [pgText(k), pgJson(v)]));
  return value;
}
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
        actor: pgJson(entry.actor) as AuditActor,
        action: pgText(entry.action),
        tenantId: entry.tenantId ?? null,
        target: entry.target == null ? null : pgText(entry.target).slice(0, 200),
        outcome: pgText(entry.outcome),
        correlationId: entry.correlationId == null ? null : pgText(entry.correlationId),
        details: entry.details == null ? null : (pgJson(entry.details) as Record<string, unknown>),
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
