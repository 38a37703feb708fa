/**
 * The admin API's read side: tenant search with filters on spec fields (plan, cloud) and the
 * audit log by actor, action, target, outcome and time — both keyset-paginated with opaque
 * cursors, so a page stays stable while rows are added. Writes go through the other
 * repositories (lifecycle transitions, audit.record); nothing here changes data.
 */
import { and, asc, desc, eq, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { CloudProvider, PlanName, TenantState } from '@cw/tenant-model';
import { hashId } from '@cw/observability';
import { Repositories } from '../database.js';
import type { Executor } from '../executor.js';
import { auditLog, provisioningSteps, tenants } from '../schema.js';
import type { AuditRecord, Page, ProvisioningStepRecord, TenantRecord } from '../types.js';
import { toStep } from './provisioning-run.repository.js';
import { isUuid } from './tenant.repository.js';

export interface AdminTenantQuery {
  states?: readonly TenantState[];
  plans?: readonly PlanName[];
  clouds?: readonly CloudProvider[];
  /**
   * Free text: a tenant id, an exact admin e-mail (matched by its hash), or a case-insensitive
   * substring of slug, display name or hostname.
   */
  text?: string;
  /** Inclusive lower bound of createdAt. */
  createdFrom?: Date;
  /** Exclusive upper bound of createdAt. */
  createdTo?: Date;
  limit?: number;
  cursor?: string | null;
}

export interface AdminAuditQuery {
  /** `sha256:…` pseudonym of an admin (subjectHash), a customer (emailHash) or a client IP (ipHash). */
  actorHash?: string;
  action?: string;
  /** A tenant id (matches the tenant column) or the target as recorded (slug or id). */
  target?: string;
  outcome?: string;
  from?: Date;
  to?: Date;
  limit?: number;
  cursor?: string | null;
}

/** A cursor that was not made by this API (edited, truncated, from another list). */
export class InvalidCursorError extends Error {
  constructor() {
    super('the cursor is not valid; start again without it');
    this.name = 'InvalidCursorError';
  }
}

const MAX_LIMIT = 200;
const clampLimit = (limit: number | undefined) => Math.min(Math.max(limit ?? 50, 1), MAX_LIMIT);
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

// Cursors carry a kind prefix so a tenant cursor cannot be replayed against the audit list.
const encode = (kind: string, value: string) => Buffer.from(`${kind}|${value}`).toString('base64url');
function decode(kind: string, cursor: string): string {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  if (!text.startsWith(`${kind}|`)) throw new InvalidCursorError();
  return text.slice(kind.length + 1);
}

function tenantCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = decode('t1', cursor).split('|');
  const createdAt = new Date(at ?? '');
  if (!isUuid(id) || Number.isNaN(createdAt.getTime())) throw new InvalidCursorError();
  return { createdAt, id };
}

function auditCursor(cursor: string): number {
  const id = Number(decode('a1', cursor));
  if (!Number.isSafeInteger(id) || id <= 0) throw new InvalidCursorError();
  return id;
}

/** Repositories keeps its executor protected; this view over the same connection reads it as a subclass may. */
class ExecutorOf extends Repositories {
  static of(repositories: Repositories): Executor {
    return (repositories as ExecutorOf).executor;
  }
}

export class AdminQueriesRepository {
  constructor(private readonly db: Executor) {}

  /** Over the database or a transaction of it. */
  static over(repositories: Repositories): AdminQueriesRepository {
    return new AdminQueriesRepository(ExecutorOf.of(repositories));
  }

  /** Newest first, ordered by (createdAt, id) so equal timestamps page deterministically. */
  async listTenants(query: AdminTenantQuery = {}): Promise<Page<TenantRecord>> {
    const limit = clampLimit(query.limit);
    const where: SQL[] = [];
    if (query.states?.length) where.push(inArray(tenants.state, [...query.states]));
    if (query.plans?.length) where.push(inArray(sql<string>`${tenants.spec}->>'plan'`, [...query.plans]));
    if (query.clouds?.length)
      where.push(inArray(sql<string>`${tenants.spec}->'cloud'->>'provider'`, [...query.clouds]));
    if (query.createdFrom) where.push(gte(tenants.createdAt, query.createdFrom));
    if (query.createdTo) where.push(lt(tenants.createdAt, query.createdTo));
    const text = query.text?.trim();
    if (text) where.push(textMatch(text));
    if (query.cursor) {
      const c = tenantCursor(query.cursor);
      where.push(
        sql`(${tenants.createdAt}, ${tenants.id}) < (${c.createdAt.toISOString()}::timestamptz, ${c.id}::uuid)`,
      );
    }
    const rows = await this.db
      .select()
      .from(tenants)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(tenants.createdAt), desc(tenants.id))
      .limit(limit + 1);
    const items: TenantRecord[] = rows.slice(0, limit).map((row) => ({ ...row }));
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > limit && last ? encode('t1', `${last.createdAt.toISOString()}|${last.id}`) : null,
    };
  }

  /** Newest first by id (ids grow with time). */
  async listAudit(query: AdminAuditQuery = {}): Promise<Page<AuditRecord>> {
    const limit = clampLimit(query.limit);
    const where: SQL[] = [];
    if (query.actorHash) {
      const hash = query.actorHash;
      where.push(
        or(
          sql`${auditLog.actor}->>'subjectHash' = ${hash}`,
          sql`${auditLog.actor}->>'emailHash' = ${hash}`,
          sql`${auditLog.actor}->>'ipHash' = ${hash}`,
        )!,
      );
    }
    if (query.action) where.push(eq(auditLog.action, query.action));
    if (query.outcome) where.push(eq(auditLog.outcome, query.outcome));
    if (query.target) {
      where.push(
        looksLikeId(query.target)
          ? or(eq(auditLog.tenantId, query.target), eq(auditLog.target, query.target))!
          : eq(auditLog.target, query.target),
      );
    }
    if (query.from) where.push(gte(auditLog.at, query.from));
    if (query.to) where.push(lt(auditLog.at, query.to));
    if (query.cursor) where.push(lt(auditLog.id, auditCursor(query.cursor)));
    const rows = await this.db
      .select()
      .from(auditLog)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(auditLog.id))
      .limit(limit + 1);
    const items: AuditRecord[] = rows
      .slice(0, limit)
      .map((row) => ({ ...row, details: row.details ?? null }));
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encode('a1', String(last.id)) : null };
  }

  /** Steps of several runs in one query, grouped by run id, in pipeline order. */
  async stepsOfRuns(runIds: readonly string[]): Promise<Map<string, ProvisioningStepRecord[]>> {
    const byRun = new Map<string, ProvisioningStepRecord[]>(runIds.map((id) => [id, []]));
    const ids = runIds.filter(isUuid);
    if (ids.length === 0) return byRun;
    const rows = await this.db
      .select()
      .from(provisioningSteps)
      .where(inArray(provisioningSteps.runId, ids))
      .orderBy(asc(provisioningSteps.runId), asc(provisioningSteps.position));
    for (const row of rows) byRun.get(row.runId)?.push(toStep(row));
    return byRun;
  }
}

const looksLikeId = (text: string): boolean => isUuid(text);

function textMatch(text: string): SQL {
  if (looksLikeId(text)) return eq(tenants.id, text);
  // An e-mail is never searched in clear: the hash column answers it exactly.
  if (text.includes('@')) return eq(tenants.adminEmailHash, hashId(text));
  const pattern = `%${escapeLike(text)}%`;
  return or(
    sql`${tenants.slug} ilike ${pattern}`,
    sql`${tenants.displayName} ilike ${pattern}`,
    sql`${tenants.spec}->>'hostname' ilike ${pattern}`,
  )!;
}
