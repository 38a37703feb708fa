import { randomUUID } from 'node:crypto';
import {
  and,
  asc,
  count,
  desc,
  eq,
  ilike,
  inArray,
  isNotNull,
  isNull,
  lte,
  notInArray,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import { LIVE_STATES, type TenantSpec, type TenantState } from '@cw/tenant-model';
import { hashId } from '@cw/observability';
import { tenants } from '../schema.js';
import type { Executor } from '../executor.js';
import { SlugTakenError, TenantNotFoundError, isUniqueViolation } from '../errors.js';
import type { NewTenant, Page, TenantPatch, TenantRecord } from '../types.js';
import { pgJson, pgText } from '../pg-text.js';

type Row = typeof tenants.$inferSelect;
const toRecord = (row: Row): TenantRecord => ({ ...row });

export interface TenantListQuery {
  state?: TenantState | readonly TenantState[];
  /** Matches slug or display name (case-insensitive substring). */
  search?: string;
  limit?: number;
  /** From a previous page's `nextCursor`. */
  cursor?: string | null;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class TenantRepository {
  constructor(private readonly db: Executor) {}

  /** Inserts a tenant; a taken slug raises SlugTakenError (race-safe: the unique index decides). */
  async create(input: NewTenant): Promise<TenantRecord> {
    try {
      const [row] = await this.db
        .insert(tenants)
        .values({
          id: input.id ?? randomUUID(),
          slug: pgText(input.slug),
          displayName: pgText(input.spec.displayName),
          state: input.state ?? 'pending_verification',
          spec: pgJson(input.spec),
          adminEmail: pgText(input.adminEmail),
          adminEmailHash: hashId(input.adminEmail),
          correlationId: input.correlationId,
          billingMode: input.billingMode,
          // Millisecond precision, like the keyset cursor built from it.
          createdAt: new Date(),
        })
        .returning();
      return toRecord(row!);
    } catch (error) {
      if (isUniqueViolation(error, 'tenants_slug_key')) throw new SlugTakenError(input.slug);
      throw error;
    }
  }

  async findById(id: string): Promise<TenantRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.db.select().from(tenants).where(eq(tenants.id, id));
    return row && toRecord(row);
  }

  async getById(id: string): Promise<TenantRecord> {
    const tenant = await this.findById(id);
    if (!tenant) throw new TenantNotFoundError(id);
    return tenant;
  }

  /** Locks the row until the surrounding transaction ends; use inside `db.transaction`. */
  async findByIdForUpdate(id: string): Promise<TenantRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.db.select().from(tenants).where(eq(tenants.id, id)).for('update');
    return row && toRecord(row);
  }

  /**
   * The tenant holding `slug`; when none holds it, the one that released it last (an expired
   * sign-up), so support can still find it by name. Two indexed lookups, one per partial index.
   */
  async findBySlug(slug: string): Promise<TenantRecord | undefined> {
    const [live] = await this.db
      .select()
      .from(tenants)
      .where(and(eq(tenants.slug, slug), isNull(tenants.slugReleasedAt)));
    if (live) return toRecord(live);
    const [released] = await this.db
      .select()
      .from(tenants)
      .where(and(eq(tenants.slug, slug), isNotNull(tenants.slugReleasedAt)))
      .orderBy(desc(tenants.slugReleasedAt))
      .limit(1);
    return released && toRecord(released);
  }

  /** Whether a tenant holds `slug`; released slugs (expired sign-ups) are free again. */
  async isSlugTaken(slug: string): Promise<boolean> {
    const [row] = await this.db
      .select({ id: tenants.id })
      .from(tenants)
      .where(and(eq(tenants.slug, slug), isNull(tenants.slugReleasedAt)));
    return row !== undefined;
  }

  /** Tenants whose admin has this e-mail (matched by hash, case-insensitively). */
  async findByAdminEmail(email: string, states?: readonly TenantState[]): Promise<TenantRecord[]> {
    const where = [eq(tenants.adminEmailHash, hashId(email))];
    if (states) where.push(inArray(tenants.state, [...states]));
    const rows = await this.db
      .select()
      .from(tenants)
      .where(and(...where))
      .orderBy(desc(tenants.createdAt));
    return rows.map(toRecord);
  }

  async findByStripeSubscription(subscriptionId: string): Promise<TenantRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(tenants)
      .where(eq(tenants.stripeSubscriptionId, subscriptionId));
    return row && toRecord(row);
  }

  async findByStripeCustomer(customerId: string): Promise<TenantRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(tenants)
      .where(eq(tenants.stripeCustomerId, customerId))
      .orderBy(desc(tenants.createdAt));
    return row && toRecord(row);
  }

  /** Newest first, keyset-paginated. */
  async list(query: TenantListQuery = {}): Promise<Page<TenantRecord>> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const where: SQL[] = [];
    if (query.state !== undefined) {
      const states = typeof query.state === 'string' ? [query.state] : [...query.state];
      where.push(inArray(tenants.state, states));
    }
    if (query.search) {
      const pattern = `%${escapeLike(query.search)}%`;
      where.push(or(ilike(tenants.slug, pattern), ilike(tenants.displayName, pattern))!);
    }
    const cursor = decodeCursor(query.cursor);
    if (cursor) {
      where.push(sql`(${tenants.createdAt}, ${tenants.id}) < (${cursor.createdAt}, ${cursor.id})`);
    }
    const rows = await this.db
      .select()
      .from(tenants)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(tenants.createdAt), desc(tenants.id))
      .limit(limit + 1);
    const items = rows.slice(0, limit).map(toRecord);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  async countByState(): Promise<Partial<Record<TenantState, number>>> {
    const rows = await this.db
      .select({ state: tenants.state, n: count() })
      .from(tenants)
      .groupBy(tenants.state);
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  /** Billing/administrative fields; the state only changes through LifecycleRepository.transition. */
  async update(id: string, patch: TenantPatch): Promise<TenantRecord> {
    const [row] = await this.db
      .update(tenants)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(tenants.id, id))
      .returning();
    if (!row) throw new TenantNotFoundError(id);
    return toRecord(row);
  }

  /** Replaces the desired spec and bumps specVersion (display name follows the spec). */
  async updateSpec(id: string, spec: TenantSpec): Promise<TenantRecord> {
    const [row] = await this.db
      .update(tenants)
      .set({
        spec: pgJson(spec),
        displayName: pgText(spec.displayName),
        specVersion: sql`${tenants.specVersion} + 1`,
        updatedAt: new Date(),
      })
      .where(eq(tenants.id, id))
      .returning();
    if (!row) throw new TenantNotFoundError(id);
    return toRecord(row);
  }

  /** Active tenants whose payment grace period ended at or before `now`. */
  async listGraceExpired(now: Date, limit = 100): Promise<TenantRecord[]> {
    const rows = await this.db
      .select()
      .from(tenants)
      .where(and(eq(tenants.state, 'active'), isNotNull(tenants.graceUntil), lte(tenants.graceUntil, now)))
      .orderBy(asc(tenants.graceUntil))
      .limit(limit);
    return rows.map(toRecord);
  }

  /**
   * Sign-ups left unverified or unpaid since `cutoff` (last change at or before it), oldest first.
   * A tenant with a Stripe subscription is never among them: money is in flight (e.g. an
   * asynchronous payment), and Stripe's cancellation leads to offboarding instead.
   */
  async listExpiredSignups(
    cutoff: Date,
    options: { limit?: number; excludeIds?: readonly string[] } = {},
  ): Promise<TenantRecord[]> {
    const where = [
      inArray(tenants.state, ['pending_verification', 'pending_payment']),
      lte(tenants.updatedAt, cutoff),
      isNull(tenants.stripeSubscriptionId),
    ];
    if (options.excludeIds?.length) where.push(notInArray(tenants.id, [...options.excludeIds]));
    const rows = await this.db
      .select()
      .from(tenants)
      .where(and(...where))
      .orderBy(asc(tenants.updatedAt), asc(tenants.id))
      .limit(options.limit ?? 100);
    return rows.map(toRecord);
  }

  /**
   * Erases the admin e-mail of an expired sign-up and gives its slug back (the hash stays). Only
   * for a tenant already moved to `deleted`, in the transaction that moved it.
   */
  async releaseExpiredSignup(id: string, at: Date): Promise<TenantRecord> {
    const [row] = await this.db
      .update(tenants)
      .set({ adminEmail: null, slugReleasedAt: at, updatedAt: new Date() })
      .where(and(eq(tenants.id, id), eq(tenants.state, 'deleted')))
      .returning();
    if (!row) throw new TenantNotFoundError(id);
    return toRecord(row);
  }

  /** Tenants whose cancellation grace period ended and that are not yet offboarding. */
  async listOffboardDue(now: Date, limit = 100): Promise<TenantRecord[]> {
    const rows = await this.db
      .select()
      .from(tenants)
      .where(
        and(
          isNotNull(tenants.offboardAt),
          lte(tenants.offboardAt, now),
          inArray(tenants.state, [...LIVE_STATES]),
        ),
      )
      .orderBy(asc(tenants.offboardAt))
      .limit(limit);
    return rows.map(toRecord);
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids from URLs and Stripe metadata are untrusted: a malformed one is "not found", not a SQL error. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID_RE.test(value);

const encodeCursor = (t: TenantRecord) =>
  Buffer.from(`${t.createdAt.toISOString()}|${t.id}`).toString('base64url');
function decodeCursor(cursor: string | null | undefined): { createdAt: string; id: string } | undefined {
  if (!cursor) return undefined;
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!createdAt || !isUuid(id) || Number.isNaN(Date.parse(createdAt))) return undefined;
  return { createdAt, id };
}
