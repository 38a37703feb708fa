/**
 * Azure Cosmos DB adapter. Items live in the tenant database's `documents` container (partition
 * key path /pk, created by the tenant stack) with pk = "<tenant>#<collection>#<partition>": the
 * tenant leads every key, and "acme#" never prefixes "acme-eu#" ('#' is not in a slug). The
 * store's partition is part of the Cosmos logical partition so one busy collection is not capped
 * at one logical partition's 20 GB. Versions are Cosmos etags (IfMatch); document ids are the
 * sha256 of the item id (Cosmos forbids '/', '#', '?' in ids and caps them at 255 chars).
 */
import { createHash } from 'node:crypto';
import type { Container, CosmosClient, ItemDefinition, SqlParameter } from '@azure/cosmos';
import { AlreadyExistsError, StoreUnavailableError, VersionConflictError } from '../errors.js';
import { BackedTenantStore, requireTenant } from '../core/backed-store.js';
import type { RawQuery, RawRecord, RawWrite, RecordBackend } from '../core/record-backend.js';
import type { Clock } from '../core/typed-collection.js';

const SWEEP_EVERY_MS = 60_000;
const SWEEP_BATCH = 100;

interface Doc extends ItemDefinition {
  id: string;
  pk: string;
  tenant: string;
  collection: string;
  partition: string;
  key: string;
  value: unknown;
  /** Epoch ms, or null: queries compare it with "now". */
  expiresAt: number | null;
  _etag?: string;
}

const docId = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');
const statusOf = (e: unknown): number | undefined => {
  const code =
    (e as { code?: unknown; statusCode?: unknown }).code ?? (e as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
};
const live = (d: Doc, now: Date): boolean => d.expiresAt === null || d.expiresAt > now.getTime();

class CosmosBackend implements RecordBackend {
  readonly adapter = 'cosmos';
  private container: Container;
  private lastSweep = 0;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly tenant: string,
    private readonly client: CosmosClient,
    private readonly databaseId: string,
    private readonly containerId: string,
    private readonly createIfMissing: boolean,
  ) {
    this.container = client.database(databaseId).container(containerId);
  }

  private pk(collection: string, partition: string): string {
    return `${this.tenant}#${collection}#${partition}`;
  }

  private doc(collection: string, partition: string, id: string, w: RawWrite): Doc {
    return {
      id: docId(id),
      pk: this.pk(collection, partition),
      tenant: this.tenant,
      collection,
      partition,
      key: id,
      value: w.value,
      expiresAt: w.expiresAt?.getTime() ?? null,
    };
  }

  private async read(collection: string, partition: string, id: string): Promise<Doc | undefined> {
    try {
      const { resource } = await this.container.item(docId(id), this.pk(collection, partition)).read<Doc>();
      // The hash could only collide in theory; the stored key settles it.
      return resource && resource.key === id ? resource : undefined;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  async init(): Promise<void> {
    if (this.createIfMissing) {
      const { database } = await this.client.databases.createIfNotExists({ id: this.databaseId });
      const { container } = await database.containers.createIfNotExists({
        id: this.containerId,
        partitionKey: { paths: ['/pk'] },
      });
      this.container = container;
      return;
    }
    // Production identities hold data-plane rights only: the tenant stack creates the container.
    try {
      await this.container.read();
    } catch (e) {
      if (statusOf(e) === 404) {
        throw new StoreUnavailableError(
          this.adapter,
          `container ${this.databaseId}/${this.containerId} does not exist (the tenant stack creates it)`,
        );
      }
      throw e;
    }
  }

  async get(collection: string, partition: string, id: string, now: Date): Promise<RawRecord | undefined> {
    const d = await this.read(collection, partition, id);
    return d && live(d, now) ? toRecord(d) : undefined;
  }

  async create(
    collection: string,
    partition: string,
    id: string,
    w: RawWrite,
    now: Date,
  ): Promise<RawRecord> {
    const doc = this.doc(collection, partition, id, w);
    try {
      const { resource } = await this.container.items.create<Doc>(doc);
      this.maybeSweep(now);
      return toRecord(resource as Doc);
    } catch (e) {
      if (statusOf(e) !== 409) throw e;
    }
    // Taken: only an expired item may be replaced, and only the exact one we saw.
    const existing = await this.read(collection, partition, id);
    if (!existing || live(existing, now)) throw new AlreadyExistsError(collection, partition, id);
    return this.replace(doc, existing._etag as string, collection, partition, id, AlreadyExistsError);
  }

  async put(
    collection: string,
    partition: string,
    id: string,
    w: RawWrite,
    ifVersion: string | undefined,
    now: Date,
  ): Promise<RawRecord> {
    const doc = this.doc(collection, partition, id, w);
    this.maybeSweep(now);
    if (ifVersion === undefined) {
      const { resource } = await this.container.items.upsert<Doc>(doc);
      return toRecord(resource as Doc);
    }
    const existing = await this.read(collection, partition, id);
    if (!existing || !live(existing, now) || existing._etag !== ifVersion) {
      throw new VersionConflictError(collection, partition, id);
    }
    return this.replace(doc, ifVersion, collection, partition, id, VersionConflictError);
  }

  private async replace(
    doc: Doc,
    etag: string,
    collection: string,
    partition: string,
    id: string,
    Conflict: typeof AlreadyExistsError | typeof VersionConflictError,
  ): Promise<RawRecord> {
    try {
      const { resource } = await this.container
        .item(doc.id, doc.pk)
        .replace<Doc>(doc, { accessCondition: { type: 'IfMatch', condition: etag } });
      return toRecord(resource as Doc);
    } catch (e) {
      if (statusOf(e) === 412 || statusOf(e) === 404) throw new Conflict(collection, partition, id);
      throw e;
    }
  }

  async delete(
    collection: string,
    partition: string,
    id: string,
    ifVersion: string | undefined,
    now: Date,
  ): Promise<boolean> {
    const existing = await this.read(collection, partition, id);
    if (!existing) return false;
    const wasLive = live(existing, now);
    if (wasLive && ifVersion !== undefined && existing._etag !== ifVersion) {
      throw new VersionConflictError(collection, partition, id);
    }
    try {
      await this.container
        .item(existing.id, existing.pk)
        .delete({ accessCondition: { type: 'IfMatch', condition: existing._etag as string } });
    } catch (e) {
      if (statusOf(e) === 404) return false;
      if (statusOf(e) === 412) {
        if (ifVersion !== undefined) throw new VersionConflictError(collection, partition, id);
        return this.delete(collection, partition, id, undefined, now);
      }
      throw e;
    }
    return wasLive;
  }

  async query(collection: string, partition: string, q: RawQuery, now: Date): Promise<RawRecord[]> {
    const asc = q.order === 'asc';
    const where = ['c.pk = @pk', '(IS_NULL(c.expiresAt) OR c.expiresAt > @now)'];
    const parameters: SqlParameter[] = [
      { name: '@pk', value: this.pk(collection, partition) },
      { name: '@now', value: now.getTime() },
      { name: '@n', value: q.fetch },
    ];
    if (q.after !== undefined) {
      where.push(`c.key ${asc ? '>' : '<'} @after`);
      parameters.push({ name: '@after', value: q.after });
    }
    if (q.idPrefix !== undefined) {
      where.push('STARTSWITH(c.key, @prefix)');
      parameters.push({ name: '@prefix', value: q.idPrefix });
    }
    const { resources } = await this.container.items
      .query<Doc>(
        {
          query: `SELECT TOP @n * FROM c WHERE ${where.join(' AND ')} ORDER BY c.key ${asc ? 'ASC' : 'DESC'}`,
          parameters,
        },
        { partitionKey: this.pk(collection, partition) },
      )
      .fetchAll();
    return resources.map(toRecord);
  }

  async dropTenantData(): Promise<void> {
    await this.sweeping;
    await this.deleteWhere('c.tenant = @t', [{ name: '@t', value: this.tenant }]);
  }

  async close(): Promise<void> {
    await this.sweeping;
  }

  /** Cross-partition, but the tenant filter keeps it on this tenant's items. */
  private async deleteWhere(filter: string, parameters: SqlParameter[], limit?: number): Promise<void> {
    const iterator = this.container.items.query<{ id: string; pk: string }>({
      query: `SELECT ${limit ? `TOP ${limit} ` : ''}c.id, c.pk FROM c WHERE ${filter}`,
      parameters,
    });
    const { resources } = await iterator.fetchAll();
    for (const d of resources) {
      if (!d.pk.startsWith(`${this.tenant}#`)) continue; // never another tenant's item
      await this.container
        .item(d.id, d.pk)
        .delete()
        .catch((e: unknown) => {
          if (statusOf(e) !== 404) throw e;
        });
    }
  }

  /** Lazy TTL sweep (the shared container has no TTL of its own); reads already hide expired items. */
  private maybeSweep(now: Date): void {
    if (this.sweeping || now.getTime() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now.getTime();
    this.sweeping = this.deleteWhere(
      'c.tenant = @t AND NOT IS_NULL(c.expiresAt) AND c.expiresAt <= @now',
      [
        { name: '@t', value: this.tenant },
        { name: '@now', value: now.getTime() },
      ],
      SWEEP_BATCH,
    )
      .catch(() => undefined) // retried by a later write
      .finally(() => {
        this.sweeping = undefined;
      });
  }
}

const toRecord = (d: Doc): RawRecord => ({
  partition: d.partition,
  id: d.key,
  value: d.value,
  version: d._etag as string,
  ...(d.expiresAt !== null && { expiresAt: new Date(d.expiresAt) }),
});

export interface CosmosStoreOptions {
  tenant: string;
  /** Built by openTenantStore with workload identity; tests pass a key-authenticated client. */
  client: CosmosClient;
  database: string;
  /** @default "documents" */
  container?: string;
  /** Create database and container in init (tests only: production identities cannot). */
  createIfMissing?: boolean;
  clock?: Clock;
}

export class CosmosTenantStore extends BackedTenantStore {
  constructor(opts: CosmosStoreOptions) {
    const tenant = requireTenant(opts?.tenant);
    super(
      tenant,
      new CosmosBackend(
        tenant,
        opts.client,
        opts.database,
        opts.container ?? 'documents',
        opts.createIfMissing ?? false,
      ),
      opts.clock,
    );
  }
}

/** The production client: Entra workload identity (AZURE_CLIENT_ID/TENANT_ID/FEDERATED_TOKEN_FILE from the webhook). */
export async function cosmosWorkloadClient(endpoint: string): Promise<CosmosClient> {
  const [{ CosmosClient }, { WorkloadIdentityCredential }] = await Promise.all([
    import('@azure/cosmos'),
    import('@azure/identity'),
  ]);
  let credential: InstanceType<typeof WorkloadIdentityCredential>;
  try {
    credential = new WorkloadIdentityCredential();
  } catch (e) {
    throw new StoreUnavailableError(
      'cosmos',
      `no workload identity in this pod (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE): ${(e as Error).message}`,
      { cause: e },
    );
  }
  return new CosmosClient({ endpoint, aadCredentials: credential });
}
