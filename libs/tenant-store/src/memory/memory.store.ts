/** In-process store: tests and demos. Same semantics as the durable adapters (contract suite). */
import { AlreadyExistsError, VersionConflictError } from '../errors.js';
import { BackedTenantStore } from '../core/backed-store.js';
import type { Clock } from '../core/typed-collection.js';
import type { RawQuery, RawRecord, RawWrite, RecordBackend } from '../core/record-backend.js';

/** Binary (UTF-8 byte) order, as PostgreSQL COLLATE "C" and DynamoDB sort keys use. */
export const compareIds = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

const live = (r: RawRecord | undefined, now: Date): r is RawRecord =>
  r !== undefined && (r.expiresAt === undefined || r.expiresAt > now);

class MemoryBackend implements RecordBackend {
  readonly adapter = 'memory';
  /** collection → partition → id → record */
  private readonly data = new Map<string, Map<string, Map<string, RawRecord>>>();

  private partition(collection: string, partition: string): Map<string, RawRecord> {
    let c = this.data.get(collection);
    if (!c) this.data.set(collection, (c = new Map()));
    let p = c.get(partition);
    if (!p) c.set(partition, (p = new Map()));
    return p;
  }

  private read(collection: string, partition: string, id: string, now: Date): RawRecord | undefined {
    const p = this.partition(collection, partition);
    const r = p.get(id);
    if (r && !live(r, now)) p.delete(id); // lazy sweep
    return live(r, now) ? r : undefined;
  }

  private write(collection: string, partition: string, id: string, w: RawWrite): RawRecord {
    const rec: RawRecord = {
      partition,
      id,
      value: structuredClone(w.value),
      version: w.version,
      ...(w.expiresAt && { expiresAt: w.expiresAt }),
    };
    this.partition(collection, partition).set(id, rec);
    return copy(rec);
  }

  get(collection: string, partition: string, id: string, now: Date): Promise<RawRecord | undefined> {
    const r = this.read(collection, partition, id, now);
    return Promise.resolve(r && copy(r));
  }

  create(collection: string, partition: string, id: string, w: RawWrite, now: Date): Promise<RawRecord> {
    if (this.read(collection, partition, id, now)) {
      return Promise.reject(new AlreadyExistsError(collection, partition, id));
    }
    return Promise.resolve(this.write(collection, partition, id, w));
  }

  put(
    collection: string,
    partition: string,
    id: string,
    w: RawWrite,
    ifVersion: string | undefined,
    now: Date,
  ): Promise<RawRecord> {
    if (ifVersion !== undefined && this.read(collection, partition, id, now)?.version !== ifVersion) {
      return Promise.reject(new VersionConflictError(collection, partition, id));
    }
    return Promise.resolve(this.write(collection, partition, id, w));
  }

  delete(
    collection: string,
    partition: string,
    id: string,
    ifVersion: string | undefined,
    now: Date,
  ): Promise<boolean> {
    const r = this.read(collection, partition, id, now);
    if (!r) return Promise.resolve(false);
    if (ifVersion !== undefined && r.version !== ifVersion) {
      return Promise.reject(new VersionConflictError(collection, partition, id));
    }
    this.partition(collection, partition).delete(id);
    return Promise.resolve(true);
  }

  query(collection: string, partition: string, q: RawQuery, now: Date): Promise<RawRecord[]> {
    const sign = q.order === 'asc' ? 1 : -1;
    const out = [...this.partition(collection, partition).values()]
      .filter((r) => live(r, now))
      .filter((r) => q.idPrefix === undefined || r.id.startsWith(q.idPrefix))
      .filter((r) => q.after === undefined || sign * compareIds(r.id, q.after) > 0)
      .sort((a, b) => sign * compareIds(a.id, b.id))
      .slice(0, q.fetch)
      .map(copy);
    return Promise.resolve(out);
  }

  init(): Promise<void> {
    return Promise.resolve();
  }

  dropTenantData(): Promise<void> {
    this.data.clear();
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const copy = (r: RawRecord): RawRecord => ({ ...r, value: structuredClone(r.value) });

export class MemoryTenantStore extends BackedTenantStore {
  /** `clock` lets TTL tests move time without sleeping. */
  constructor(tenant: string, opts: { clock?: Clock } = {}) {
    super(tenant, new MemoryBackend(), opts.clock);
  }
}
