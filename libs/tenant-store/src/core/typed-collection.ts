/**
 * The one implementation of `Collection<T>` over any RecordBackend: validates keys, options and
 * values (zod, on write and on read), stores values as plain JSON, pages with opaque cursors.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { StoreInputError, TenantStoreError, StoreUnavailableError } from '../errors.js';
import type { Collection, CollectionDefinition, QueryOptions, StoredItem } from '../port.js';
import { checkKey, checkLimit, checkTtl, checkVersion, decodeCursor, encodeCursor } from './input.js';
import type { RawRecord, RecordBackend } from './record-backend.js';

export type Clock = () => Date;

export class TypedCollection<T> implements Collection<T> {
  private readonly name: string;
  private readonly schema: z.ZodType<T>;

  constructor(
    def: CollectionDefinition<T>,
    private readonly backend: RecordBackend,
    private readonly clock: Clock,
  ) {
    this.name = def.name;
    this.schema = def.schema;
  }

  async get(partition: string, id: string): Promise<StoredItem<T> | undefined> {
    checkKey('partition', partition);
    checkKey('id', id);
    const rec = await this.call(() => this.backend.get(this.name, partition, id, this.clock()));
    return rec && this.toItem(rec);
  }

  async create(
    partition: string,
    id: string,
    value: T,
    opts: { ttlSeconds?: number } = {},
  ): Promise<StoredItem<T>> {
    checkKey('partition', partition);
    checkKey('id', id);
    const now = this.clock();
    const write = {
      value: this.toJson(value),
      version: randomUUID(),
      expiresAt: checkTtl(opts.ttlSeconds, now),
    };
    return this.toItem(await this.call(() => this.backend.create(this.name, partition, id, write, now)));
  }

  async put(
    partition: string,
    id: string,
    value: T,
    opts: { ifVersion?: string; ttlSeconds?: number } = {},
  ): Promise<StoredItem<T>> {
    checkKey('partition', partition);
    checkKey('id', id);
    const ifVersion = checkVersion(opts.ifVersion);
    const now = this.clock();
    const write = {
      value: this.toJson(value),
      version: randomUUID(),
      expiresAt: checkTtl(opts.ttlSeconds, now),
    };
    return this.toItem(
      await this.call(() => this.backend.put(this.name, partition, id, write, ifVersion, now)),
    );
  }

  async delete(partition: string, id: string, opts: { ifVersion?: string } = {}): Promise<boolean> {
    checkKey('partition', partition);
    checkKey('id', id);
    const ifVersion = checkVersion(opts.ifVersion);
    return this.call(() => this.backend.delete(this.name, partition, id, ifVersion, this.clock()));
  }

  async query(
    partition: string,
    opts: QueryOptions = {},
  ): Promise<{ items: StoredItem<T>[]; cursor?: string }> {
    checkKey('partition', partition);
    const limit = checkLimit(opts.limit);
    const order = opts.order ?? 'asc';
    if (order !== 'asc' && order !== 'desc') throw new StoreInputError('opts.order', 'must be asc or desc');
    if (opts.idPrefix !== undefined) checkKey('opts.idPrefix', opts.idPrefix);
    const scope = `${this.name}\u0000${partition}\u0000${opts.idPrefix ?? ''}`;
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor, scope, order);
    const recs = await this.call(() =>
      this.backend.query(
        this.name,
        partition,
        {
          fetch: limit + 1,
          order,
          ...(after !== undefined && { after }),
          ...(opts.idPrefix !== undefined && { idPrefix: opts.idPrefix }),
        },
        this.clock(),
      ),
    );
    const page = recs.slice(0, limit);
    const items = page.map((r) => this.toItem(r));
    const last = page.at(-1);
    return recs.length > limit && last
      ? { items, cursor: encodeCursor({ a: last.id, o: order, s: scope }) }
      : { items };
  }

  /** Validates and reduces the value to what JSON keeps, so every adapter returns the same thing. */
  private toJson(value: T): unknown {
    const parsed = this.schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = ['value', ...(issue?.path ?? []).map(String)].join('.');
      throw new StoreInputError(path, issue?.message ?? 'is invalid');
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(parsed.data);
    } catch (e) {
      throw new StoreInputError('value', `must be JSON-serialisable (${(e as Error).message})`);
    }
    if (json === undefined) throw new StoreInputError('value', 'must be JSON-serialisable');
    return JSON.parse(json) as unknown;
  }

  private toItem(rec: RawRecord): StoredItem<T> {
    const parsed = this.schema.safeParse(rec.value);
    if (!parsed.success) {
      // Stored data that no longer fits the schema is a migration bug, not bad input.
      throw new TenantStoreError(
        `${this.name}: stored item does not match the collection schema (${parsed.error.issues[0]?.message ?? 'invalid'})`,
      );
    }
    return {
      id: rec.id,
      partition: rec.partition,
      value: parsed.data,
      version: rec.version,
      ...(rec.expiresAt && { expiresAt: rec.expiresAt }),
    };
  }

  /** Domain errors pass; anything else from a backend becomes StoreUnavailableError. */
  private async call<R>(op: () => Promise<R>): Promise<R> {
    try {
      return await op();
    } catch (e) {
      if (e instanceof TenantStoreError) throw e;
      throw new StoreUnavailableError(this.backend.adapter, (e as Error).message ?? String(e), { cause: e });
    }
  }
}
