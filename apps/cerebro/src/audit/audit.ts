/** Cerebro's audit trail: rows in the tenant store, ids hashed, never a value or an address. */
import { randomBytes } from 'node:crypto';
import type { CerebroDeps } from '../deps.js';
import { AUDIT, AUDIT_PARTITION, type AuditRow } from '../store/collections.js';

export type AuditInput = Omit<AuditRow, 'at'>;

let sequence = 0;

export async function audit(deps: CerebroDeps, row: AuditInput): Promise<void> {
  const at = deps.now().toISOString();
  // Ids sort by time, so the newest rows are one descending query away.
  sequence = (sequence + 1) % 1_000_000;
  const id = `${at}-${String(sequence).padStart(6, '0')}-${randomBytes(3).toString('hex')}`;
  try {
    await deps.store.collection(AUDIT).create(AUDIT_PARTITION, id, { ...row, at });
  } catch (error) {
    deps.logger.error({ err: error, action: row.action }, 'audit row could not be written');
    throw error;
  }
}

export interface AuditFilter {
  action?: string;
  since?: Date;
  limit?: number;
}

export async function listAudit(deps: CerebroDeps, filter: AuditFilter): Promise<AuditRow[]> {
  const limit = filter.limit ?? 200;
  const rows: AuditRow[] = [];
  let cursor: string | undefined;
  // Newest first; stop at `since` or when the page is full.
  for (let page = 0; page < 20 && rows.length < limit; page++) {
    const { items, cursor: next } = await deps.store
      .collection(AUDIT)
      .query(AUDIT_PARTITION, { order: 'desc', limit: 500, ...(cursor ? { cursor } : {}) });
    for (const item of items) {
      if (filter.since && item.value.at < filter.since.toISOString()) return rows;
      if (filter.action && !item.value.action.startsWith(filter.action)) continue;
      rows.push(item.value);
      if (rows.length >= limit) return rows;
    }
    if (!next) break;
    cursor = next;
  }
  return rows;
}
