/**
 * PostgreSQL adapter (and PGlite through the same SQL). One schema per tenant on a shared server
 * (`tenant_<slug>`), or the tenant's own database when dedicated (the URL points at it). Every
 * row also carries the tenant and every statement filters on it, so even a misconfigured shared
 * schema cannot leak across tenants. Single statements only: conditional writes are atomic.
 */
import { AlreadyExistsError, StoreInputError, VersionConflictError } from '../errors.js';
import { BackedTenantStore, requireTenant } from '../core/backed-store.js';
import type { RawQuery, RawRecord, RawWrite, RecordBackend } from '../core/record-backend.js';
import type { Clock } from '../core/typed-collection.js';
import type { SqlClient } from './sql-client.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_-]{0,62}$/;
/** Expired rows are deleted at most this often per store, a bounded batch at a time. */
const SWEEP_EVERY_MS = 60_000;
const SWEEP_BATCH = 1000;

export const defaultSchema = (tenant: string): string => `tenant_${tenant}`;

interface Row {
  partition: string;
  id: string;
  value: unknown;
  version: string;
  expires_at: Date | string | null;
}

const LIVE = '(expires_at IS NULL OR expires_at > $5)';
const COLS = 'partition, id, value, version, expires_at';

class PostgresBackend implements RecordBackend {
  readonly adapter: string;
  private readonly t: string;
  private lastSweep = 0;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly tenant: string,
    private readonly sql: SqlClient,
    private readonly schema: string,
    private readonly ownsClient: boolean,
  ) {
    this.adapter = sql.adapter;
    this.t = `"${schema}".items`;
  }

  async init(): Promise<void> {
    const ddl = `
      CREATE SCHEMA IF NOT EXISTS "${this.schema}";
      CREATE TABLE IF NOT EXISTS ${this.t} (
        tenant text NOT NULL,
        collection text NOT NULL,
        partition text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        value jsonb NOT NULL,
        version text NOT NULL,
        expires_at timestamptz,
        PRIMARY KEY (tenant, collection, partition, id)
      );
      CREATE INDEX IF NOT EXISTS items_expires_at ON ${this.t} (expires_at) WHERE expires_at IS NOT NULL;`;
    try {
      await this.sql.exec(ddl);
    } catch (e) {
      // Two workloads starting together race on IF NOT EXISTS (unique violation in the catalog).
      if ((e as { code?: string }).code !== '23505') throw e;
      await this.sql.exec(ddl);
    }
  }

  async get(collection: string, partition: string, id: string, now: Date): Promise<RawRecord | undefined> {
    const { rows } = await this.sql.query<Row>(
      `SELECT ${COLS} FROM ${this.t}
        WHERE tenant = $1 AND collection = $2 AND partition = $3 AND id = $4 AND ${LIVE}`,
      [this.tenant, collection, partition, id, now],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async create(
    collection: string,
    partition: string,
    id: string,
    w: RawWrite,
    now: Date,
  ): Promise<RawRecord> {
    // Replaces only an expired row: the conflict branch's WHERE keeps a live one untouched.
    const { rows } = await this.sql.query<Row>(
      `INSERT INTO ${this.t} AS t (tenant, collection, partition, id, value, version, expires_at)
       VALUES ($1, $2, $3, $4, $6::jsonb, $7, $8)
       ON CONFLICT (tenant, collection, partition, id) DO UPDATE
         SET value = EXCLUDED.value, version = EXCLUDED.version, expires_at = EXCLUDED.expires_at
         WHERE t.expires_at IS NOT NULL AND t.expires_at <= $5
       RETURNING ${COLS}`,
      [this.tenant, collection, partition, id, now, JSON.stringify(w.value), w.version, w.expiresAt ?? null],
    );
    if (!rows[0]) throw new AlreadyExistsError(collection, partition, id);
    this.maybeSweep(now);
    return toRecord(rows[0]);
  }

  async put(
    collection: string,
    partition: string,
    id: string,
    w: RawWrite,
    ifVersion: string | undefined,
    now: Date,
  ): Promise<RawRecord> {
    const params = [
      this.tenant,
      collection,
      partition,
      id,
      now,
      JSON.stringify(w.value),
      w.version,
      w.expiresAt ?? null,
    ];
    const { rows } =
      ifVersion === undefined
        ? await this.sql.query<Row>(
            `INSERT INTO ${this.t} (tenant, collection, partition, id, value, version, expires_at)
             VALUES ($1, $2, $3, $4, $6::jsonb, $7, $8)
             ON CONFLICT (tenant, collection, partition, id) DO UPDATE
               SET value = EXCLUDED.value, version = EXCLUDED.version, expires_at = EXCLUDED.expires_at
             RETURNING ${COLS}, $5::timestamptz AS _now`,
            params,
          )
        : await this.sql.query<Row>(
            `UPDATE ${this.t} SET value = $6::jsonb, version = $7, expires_at = $8
              WHERE tenant = $1 AND collection = $2 AND partition = $3 AND id = $4 AND ${LIVE} AND version = $9
              RETURNING ${COLS}`,
            [...params, ifVersion],
          );
    if (!rows[0]) throw new VersionConflictError(collection, partition, id);
    this.maybeSweep(now);
    return toRecord(rows[0]);
  }

  async delete(
    collection: string,
    partition: string,
    id: string,
    ifVersion: string | undefined,
    now: Date,
  ): Promise<boolean> {
    const { rows } = await this.sql.query<{ version: string }>(
      `DELETE FROM ${this.t}
        WHERE tenant = $1 AND collection = $2 AND partition = $3 AND id = $4 AND ${LIVE}
          AND ($6::text IS NULL OR version = $6)
        RETURNING version`,
      [this.tenant, collection, partition, id, now, ifVersion ?? null],
    );
    if (rows.length > 0) return true;
    if (ifVersion !== undefined && (await this.get(collection, partition, id, now))) {
      throw new VersionConflictError(collection, partition, id);
    }
    return false;
  }

  async query(collection: string, partition: string, q: RawQuery, now: Date): Promise<RawRecord[]> {
    const asc = q.order === 'asc';
    const { rows } = await this.sql.query<Row>(
      `SELECT ${COLS} FROM ${this.t}
        WHERE tenant = $1 AND collection = $2 AND partition = $3 AND ${LIVE}
          AND ($6::text IS NULL OR id ${asc ? '>' : '<'} $6)
          AND ($7::text IS NULL OR left(id, length($7)) = $7)
        ORDER BY id ${asc ? 'ASC' : 'DESC'} LIMIT $4`,
      [this.tenant, collection, partition, q.fetch, now, q.after ?? null, q.idPrefix ?? null],
    );
    return rows.map(toRecord);
  }

  async dropTenantData(): Promise<void> {
    await this.settleSweep();
    const exists = await this.sql.query<{ n: number }>(
      `SELECT 1 AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'items'`,
      [this.schema],
    );
    if (exists.rows.length === 0) return;
    await this.sql.query(`DELETE FROM ${this.t} WHERE tenant = $1`, [this.tenant]);
    // The schema goes only when no other tenant has rows in it (a configured schema may be shared).
    const others = await this.sql.query(`SELECT 1 FROM ${this.t} LIMIT 1`, []);
    if (others.rows.length === 0) await this.sql.exec(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
  }

  async close(): Promise<void> {
    await this.settleSweep();
    if (this.ownsClient) await this.sql.end();
  }

  /** Lazy TTL sweep after a write; reads already hide expired rows, so this only reclaims space. */
  private maybeSweep(now: Date): void {
    if (this.sweeping || now.getTime() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now.getTime();
    this.sweeping = this.sql
      .query(
        `DELETE FROM ${this.t} WHERE ctid IN (
           SELECT ctid FROM ${this.t} WHERE tenant = $1 AND expires_at <= $2 LIMIT ${SWEEP_BATCH})`,
        [this.tenant, now],
      )
      .then(
        () => undefined,
        () => undefined, // a failed sweep is retried by a later write
      )
      .finally(() => {
        this.sweeping = undefined;
      });
  }

  private async settleSweep(): Promise<void> {
    await this.sweeping;
  }
}

const toRecord = (r: Row): RawRecord => ({
  partition: r.partition,
  id: r.id,
  value: r.value,
  version: r.version,
  ...(r.expires_at !== null && { expiresAt: new Date(r.expires_at) }),
});

export interface PostgresStoreOptions {
  tenant: string;
  client: SqlClient;
  /** Default tenant_<slug>. */
  schema?: string;
  /** Close the client with the store (true when the store opened it). */
  ownsClient?: boolean;
  clock?: Clock;
}

export class PostgresTenantStore extends BackedTenantStore {
  readonly schema: string;

  constructor(opts: PostgresStoreOptions) {
    const tenant = requireTenant(opts?.tenant);
    const schema = opts.schema ?? defaultSchema(tenant);
    if (!SCHEMA_NAME.test(schema)) {
      throw new StoreInputError('config.schema', `must match ${SCHEMA_NAME.source}`);
    }
    super(tenant, new PostgresBackend(tenant, opts.client, schema, opts.ownsClient ?? false), opts.clock);
    this.schema = schema;
  }
}
