/**
 * Opens the control-plane database and runs the checked-in migrations. `url` set → PostgreSQL
 * (node-postgres pool); unset → PGlite in a local data directory, the embedded default for
 * `npm start`. `schema` puts every table in that PostgreSQL schema (via search_path): tests give
 * each file its own schema on the shared test database.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { Executor } from './executor.js';
import { postgresListen, STATUS_CHANNEL, TenantStatusFeed, type Listen } from './status-feed.js';
import { AuditRepository } from './repositories/audit.repository.js';
import { EmailTokenRepository } from './repositories/email-token.repository.js';
import { LifecycleRepository } from './repositories/lifecycle.repository.js';
import { ProvisioningRunRepository } from './repositories/provisioning-run.repository.js';
import { StripeEventRepository } from './repositories/stripe-event.repository.js';
import { TenantRepository } from './repositories/tenant.repository.js';

export const DEFAULT_MIGRATIONS_FOLDER = fileURLToPath(new URL('../migrations', import.meta.url));
export const DEFAULT_PGLITE_DIR = '.data/pglite';
/** Serialises migrations of several replicas starting at once (pg_advisory_lock key). */
const MIGRATION_LOCK_KEY = 7_243_001;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface DatabaseOptions {
  /** postgres:// URL; absent → embedded PGlite. */
  url?: string;
  /** PostgreSQL schema for all tables (created if missing); default: the server's search_path. */
  schema?: string;
  /** PGlite data directory (default `.data/pglite`); `memory://` keeps it in memory. */
  dataDir?: string;
  /** Run migrations on open (default true). */
  migrate?: boolean;
  migrationsFolder?: string;
  /** node-postgres pool size (default 10). */
  poolSize?: number;
}

/** The repositories over one executor: the database itself or a transaction. */
export class Repositories {
  readonly tenants: TenantRepository;
  readonly lifecycle: LifecycleRepository;
  readonly runs: ProvisioningRunRepository;
  readonly stripeEvents: StripeEventRepository;
  readonly emailTokens: EmailTokenRepository;
  readonly audit: AuditRepository;

  constructor(protected readonly executor: Executor) {
    this.tenants = new TenantRepository(executor);
    this.lifecycle = new LifecycleRepository(executor);
    this.runs = new ProvisioningRunRepository(executor);
    this.stripeEvents = new StripeEventRepository(executor);
    this.emailTokens = new EmailTokenRepository(executor);
    this.audit = new AuditRepository(executor);
  }

  /** Runs `fn` in one transaction (a savepoint when already inside one); throwing rolls back. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.executor.transaction((tx) => fn(new Repositories(tx)));
  }
}

export class Database extends Repositories {
  /** Change notifications for live status pages (see status-feed.ts). */
  readonly statusFeed: TenantStatusFeed;

  constructor(
    executor: Executor,
    readonly driver: 'postgres' | 'pglite',
    readonly schema: string | undefined,
    private readonly closeFn: () => Promise<void>,
    listen: Listen = async () => async () => undefined,
  ) {
    super(executor);
    this.statusFeed = new TenantStatusFeed(listen, schema ?? 'public');
  }

  /** Throws when the database cannot answer (for /readyz). */
  async ping(): Promise<void> {
    await this.executor.execute(sql`select 1`);
  }

  async close(): Promise<void> {
    await this.statusFeed.close();
    await this.closeFn();
  }

  /** Drops this database's schema with everything in it: test clean-up only. */
  async dropSchema(): Promise<void> {
    if (!this.schema) throw new Error('dropSchema needs a database opened with a schema');
    await this.executor.execute(sql.raw(`drop schema if exists "${this.schema}" cascade`));
  }
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new Error(`invalid schema name "${options.schema}" (lowercase letters, digits, underscores)`);
  }
  return options.url ? openPostgres(options.url, options) : openPglite(options);
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const { default: pg } = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const schema = options.schema;
  if (schema) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`create schema if not exists "${schema}"`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  if (options.migrate ?? true) {
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await migrate(drizzle(client), {
        migrationsFolder: options.migrationsFolder ?? DEFAULT_MIGRATIONS_FOLDER,
        migrationsSchema: schema ?? 'drizzle',
      });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      client.release();
    }
  }
  return new Database(
    drizzle(pool) as unknown as Executor,
    'postgres',
    schema,
    () => pool.end(),
    postgresListen(url),
  );
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const dataDir = options.dataDir ?? DEFAULT_PGLITE_DIR;
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir);
  await client.waitReady;
  if (options.schema) {
    await client.exec(
      `create schema if not exists "${options.schema}"; set search_path to "${options.schema}"`,
    );
  }
  const db = drizzle({ client });
  if (options.migrate ?? true) {
    await migrate(db, {
      migrationsFolder: options.migrationsFolder ?? DEFAULT_MIGRATIONS_FOLDER,
      migrationsSchema: options.schema ?? 'drizzle',
    });
  }
  const listen: Listen = async (onPayload) => {
    const unlisten = await client.listen(STATUS_CHANNEL, onPayload);
    return () => unlisten();
  };
  return new Database(db as unknown as Executor, 'pglite', options.schema, () => client.close(), listen);
}
