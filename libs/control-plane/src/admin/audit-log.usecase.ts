/**
 * The admin audit trail: one row per state-changing admin request and per refused attempt, and
 * the query support staff and auditors run over it. Rows name actors by pseudonym only
 * (`sha256:<hex16>` of the e-mail or subject, or of the client IP when nobody is known); details
 * are checked so that no e-mail address or token-shaped string can be stored by mistake.
 */
import { AdminQueriesRepository, type AuditActor, type Database } from '@cw/db';
import { redactString } from '@cw/observability';
import { ValidationFailedError } from '../errors.js';
import { parseInput, withoutEmpty } from './admin-input.js';
import { listAuditQuerySchema, type AuditPage } from './admin-schemas.js';
import { auditView, findTenant } from './admin-views.js';
import { cursorOrThrow } from './tenant-queries.usecase.js';

export type AdminOutcome = 'ok' | 'denied' | 'rejected' | 'failed';

export interface AdminAuditEntry {
  actor: AuditActor;
  /** The route's operationId (`suspendTenant`) or `adminLogin`. */
  action: string;
  /** The tenant reference as given (id or slug); clipped. */
  target?: string | null;
  tenantId?: string | null;
  outcome: AdminOutcome;
  correlationId: string;
  details?: Record<string, unknown>;
}

const MAX_TARGET = 200;

/** Strings in details pass the same redaction as log lines: e-mails become hashes, tokens vanish. */
function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value).slice(0, 1000);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => scrub(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, depth + 1)]));
}

export class AdminAuditLogUseCase {
  constructor(private readonly db: Database) {}

  async record(entry: AdminAuditEntry): Promise<void> {
    const target = entry.target ? redactString(entry.target).slice(0, MAX_TARGET) : null;
    await this.db.audit.record({
      actor: entry.actor,
      action: entry.action,
      // Refused and failed requests name the tenant as given: resolve it, so a query by tenant id finds them too.
      tenantId: entry.tenantId ?? (target ? await this.tenantIdOf(target) : null),
      target,
      outcome: entry.outcome,
      correlationId: entry.correlationId,
      details: entry.details ? (scrub(entry.details) as Record<string, unknown>) : null,
    });
  }

  private async tenantIdOf(ref: string): Promise<string | null> {
    try {
      return (await findTenant(this.db, ref)).id;
    } catch {
      return null;
    }
  }

  async list(rawQuery: unknown): Promise<AuditPage> {
    const q = parseInput(listAuditQuerySchema, withoutEmpty(rawQuery));
    if (q.from && q.to && q.from >= q.to)
      throw new ValidationFailedError([{ path: 'to', message: 'must be after from' }]);
    const page = await cursorOrThrow(() =>
      AdminQueriesRepository.over(this.db).listAudit({
        actorHash: q.actor,
        action: q.action,
        target: q.target,
        outcome: q.outcome,
        from: q.from,
        to: q.to,
        limit: q.limit,
        cursor: q.cursor,
      }),
    );
    return { items: page.items.map(auditView), nextCursor: page.nextCursor };
  }
}
