/**
 * Every verified Stripe event is stored by id before anything acts on it; processing locks the row,
 * so concurrent or repeated deliveries of one event apply it once.
 */
import { and, asc, desc, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import { stripeEvents } from '../schema.js';
import { clip, type Executor } from '../executor.js';
import type { StripeEventOutcome, StripeEventRecord } from '../types.js';
import { pgJson, pgText } from '../pg-text.js';

type Row = typeof stripeEvents.$inferSelect;
const toRecord = (row: Row): StripeEventRecord => ({ ...row, payload: row.payload });

export interface ReceivedStripeEvent {
  id: string;
  type: string;
  /** Stripe's `created` (seconds since the epoch, as in the payload). */
  created: number;
  livemode: boolean;
  payload: Record<string, unknown>;
}

export class StripeEventRepository {
  constructor(private readonly db: Executor) {}

  /** Stores the event, or counts another delivery of it. `firstDelivery` is true for the insert. */
  async recordReceived(
    event: ReceivedStripeEvent,
  ): Promise<{ record: StripeEventRecord; firstDelivery: boolean }> {
    const [row] = await this.db
      .insert(stripeEvents)
      .values({
        // A signed payload can still carry NUL bytes, which jsonb refuses: see pg-text.ts.
        id: pgText(event.id),
        type: pgText(event.type),
        createdAt: new Date(event.created * 1000),
        livemode: event.livemode,
        payload: pgJson(event.payload),
        receivedAt: new Date(),
      })
      .onConflictDoUpdate({
        target: stripeEvents.id,
        set: { deliveries: sql`${stripeEvents.deliveries} + 1` },
      })
      .returning();
    return { record: toRecord(row!), firstDelivery: row!.deliveries === 1 };
  }

  async findById(id: string): Promise<StripeEventRecord | undefined> {
    const [row] = await this.db.select().from(stripeEvents).where(eq(stripeEvents.id, id));
    return row && toRecord(row);
  }

  /** Locks the event row for this transaction; concurrent deliveries wait here and then see it processed. */
  async findForUpdate(id: string): Promise<StripeEventRecord | undefined> {
    const [row] = await this.db.select().from(stripeEvents).where(eq(stripeEvents.id, id)).for('update');
    return row && toRecord(row);
  }

  async markProcessed(
    id: string,
    result: { outcome: StripeEventOutcome; tenantId?: string | null; error?: string },
    at = new Date(),
  ): Promise<void> {
    await this.db
      .update(stripeEvents)
      .set({
        processedAt: at,
        outcome: result.outcome,
        tenantId: result.tenantId ?? null,
        error: clip(result.error ?? null),
      })
      .where(eq(stripeEvents.id, id));
  }

  /** Processing threw: the event stays unprocessed so a redelivery (or the replay sweep) tries again. */
  async markFailed(id: string, error: string): Promise<void> {
    await this.db
      .update(stripeEvents)
      .set({ outcome: 'failed', error: clip(error) })
      .where(eq(stripeEvents.id, id));
  }

  async listForTenant(tenantId: string, limit = 100): Promise<StripeEventRecord[]> {
    const rows = await this.db
      .select()
      .from(stripeEvents)
      .where(eq(stripeEvents.tenantId, tenantId))
      .orderBy(desc(stripeEvents.createdAt))
      .limit(limit);
    return rows.map(toRecord);
  }

  /** Stored, never processed, received before `receivedBefore` (and after `receivedAfter`), oldest event first. */
  async listUnprocessed(
    receivedBefore: Date,
    limit = 100,
    receivedAfter?: Date,
  ): Promise<StripeEventRecord[]> {
    const rows = await this.db
      .select()
      .from(stripeEvents)
      .where(
        and(
          isNull(stripeEvents.processedAt),
          lte(stripeEvents.receivedAt, receivedBefore),
          receivedAfter ? gt(stripeEvents.receivedAt, receivedAfter) : undefined,
        ),
      )
      .orderBy(asc(stripeEvents.createdAt))
      .limit(limit);
    return rows.map(toRecord);
  }

  async count(): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(stripeEvents);
    return Number(row?.n ?? 0);
  }

  async countByOutcome(): Promise<Record<string, number>> {
    const rows = await this.db
      .select({ outcome: stripeEvents.outcome, n: sql<number>`count(*)::int` })
      .from(stripeEvents)
      .groupBy(stripeEvents.outcome);
    return Object.fromEntries(rows.map((r) => [r.outcome ?? 'unprocessed', Number(r.n)]));
  }
}
