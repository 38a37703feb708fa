/**
 * Amazon DynamoDB adapter. Items: pk = "<slug>#<collection>#<partition>", sk = <id>, on the
 * platform's shared table (the tenant's IAM policy allows only `dynamodb:LeadingKeys` "<slug>#*",
 * and no Scan) or the tenant's own table when dedicated. Because Scan is not granted, the tenant's
 * partitions are listed in a registry item set (pk "<slug>#!partitions"; '!' starts no collection
 * name) so dropTenantData can find everything through Query alone. Values are JSON strings (exact
 * round trip, 400 KB item limit); `expiresAt` (epoch seconds) feeds the table's native TTL sweep,
 * `expMs` makes reads exact in the meantime.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { AlreadyExistsError, StoreInputError, VersionConflictError } from '../errors.js';
import { BackedTenantStore, requireTenant } from '../core/backed-store.js';
import type { RawQuery, RawRecord, RawWrite, RecordBackend } from '../core/record-backend.js';
import type { Clock } from '../core/typed-collection.js';

interface Item {
  pk: string;
  sk: string;
  partition: string;
  v: string;
  ver: string;
  expMs?: number;
  expiresAt?: number;
}

const LIVE = '(attribute_not_exists(expMs) OR expMs > :now)';
const isConditionFailure = (e: unknown): boolean =>
  (e as { name?: string }).name === 'ConditionalCheckFailedException';
const live = (i: Item, now: Date): boolean => i.expMs === undefined || i.expMs > now.getTime();

export const dynamoKeyPrefix = (tenant: string): string => `${tenant}#`;

/**
 * The table this adapter reads and writes (string `pk` hash key, string `sk` range key), as a
 * CreateTable input: what the cloud stacks provision, and what tests and benches create on dynalite.
 */
export const dynamoTableDefinition = (name: string) => ({
  TableName: name,
  BillingMode: 'PAY_PER_REQUEST' as const,
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' as const },
    { AttributeName: 'sk', AttributeType: 'S' as const },
  ],
});

class DynamoBackend implements RecordBackend {
  readonly adapter = 'dynamodb';
  private readonly registryPk: string;
  /** Partitions this process has registered already (saves a write per put). */
  private readonly registered = new Set<string>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly prefix: string,
    private readonly createTable?: () => Promise<void>,
  ) {
    this.registryPk = `${prefix}!partitions`;
  }

  private pk(collection: string, partition: string): string {
    return `${this.prefix}${collection}#${partition}`;
  }

  private item(collection: string, partition: string, id: string, w: RawWrite): Item {
    return {
      pk: this.pk(collection, partition),
      sk: id,
      partition,
      v: JSON.stringify(w.value),
      ver: w.version,
      ...(w.expiresAt && {
        expMs: w.expiresAt.getTime(),
        expiresAt: Math.ceil(w.expiresAt.getTime() / 1000),
      }),
    };
  }

  /** Before the first write to a partition, so a crash can leave a registry entry but never an unlisted item. */
  private async register(pk: string): Promise<void> {
    if (this.registered.has(pk)) return;
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: this.registryPk, sk: pk } }));
    this.registered.add(pk);
  }

  async init(): Promise<void> {
    await this.createTable?.();
    // A cheap read proves table and grant (DescribeTable is not granted on the shared table).
    await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: this.registryPk, sk: '-' } }));
  }

  async get(collection: string, partition: string, id: string, now: Date): Promise<RawRecord | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: this.pk(collection, partition), sk: id },
        ConsistentRead: true,
      }),
    );
    return item && live(item as Item, now) ? toRecord(item as Item) : undefined;
  }

  async create(
    collection: string,
    partition: string,
    id: string,
    w: RawWrite,
    now: Date,
  ): Promise<RawRecord> {
    const item = this.item(collection, partition, id, w);
    await this.register(item.pk);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR expMs <= :now',
          ExpressionAttributeValues: { ':now': now.getTime() },
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) throw new AlreadyExistsError(collection, partition, id);
      throw e;
    }
    return toRecord(item);
  }

  async put(
    collection: string,
    partition: string,
    id: string,
    w: RawWrite,
    ifVersion: string | undefined,
    now: Date,
  ): Promise<RawRecord> {
    const item = this.item(collection, partition, id, w);
    await this.register(item.pk);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ...(ifVersion !== undefined && {
            ConditionExpression: `ver = :ver AND ${LIVE}`,
            ExpressionAttributeValues: { ':ver': ifVersion, ':now': now.getTime() },
          }),
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) throw new VersionConflictError(collection, partition, id);
      throw e;
    }
    return toRecord(item);
  }

  async delete(
    collection: string,
    partition: string,
    id: string,
    ifVersion: string | undefined,
    now: Date,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: this.pk(collection, partition), sk: id },
          ConditionExpression: `attribute_exists(pk) AND ${LIVE}${ifVersion !== undefined ? ' AND ver = :ver' : ''}`,
          ExpressionAttributeValues: {
            ':now': now.getTime(),
            ...(ifVersion !== undefined && { ':ver': ifVersion }),
          },
        }),
      );
      return true;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
    if (ifVersion !== undefined && (await this.get(collection, partition, id, now))) {
      throw new VersionConflictError(collection, partition, id);
    }
    return false;
  }

  async query(collection: string, partition: string, q: RawQuery, now: Date): Promise<RawRecord[]> {
    const values: Record<string, unknown> = { ':pk': this.pk(collection, partition), ':now': now.getTime() };
    let key = 'pk = :pk';
    const filters = [LIVE];
    if (q.after !== undefined) {
      key += ` AND sk ${q.order === 'asc' ? '>' : '<'} :after`;
      values[':after'] = q.after;
    }
    if (q.idPrefix !== undefined) {
      // One sort-key condition per Query: with a cursor the prefix becomes a filter.
      if (q.after === undefined) key += ' AND begins_with(sk, :prefix)';
      else filters.push('begins_with(sk, :prefix)');
      values[':prefix'] = q.idPrefix;
    }
    const input: QueryCommandInput = {
      TableName: this.table,
      KeyConditionExpression: key,
      FilterExpression: filters.join(' AND '),
      ExpressionAttributeValues: values,
      ScanIndexForward: q.order === 'asc',
      ConsistentRead: true,
      Limit: q.fetch,
    };
    const out: Item[] = [];
    // Limit counts items read before the filter: page until enough live items or the end.
    for (let start: Record<string, unknown> | undefined; out.length < q.fetch;) {
      const page = await this.doc.send(
        new QueryCommand({ ...input, ...(start && { ExclusiveStartKey: start }) }),
      );
      out.push(...((page.Items ?? []) as Item[]));
      start = page.LastEvaluatedKey;
      if (!start) break;
    }
    return out.slice(0, q.fetch).map(toRecord);
  }

  async dropTenantData(): Promise<void> {
    const partitions = await this.allKeys(this.registryPk);
    for (const { sk: pk } of partitions) {
      if (!pk.startsWith(this.prefix)) continue;
      for (const k of await this.allKeys(pk)) {
        await this.doc.send(new DeleteCommand({ TableName: this.table, Key: k }));
      }
      await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: this.registryPk, sk: pk } }));
    }
    this.registered.clear();
  }

  private async allKeys(pk: string): Promise<{ pk: string; sk: string }[]> {
    const keys: { pk: string; sk: string }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'pk, sk',
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      keys.push(...((page.Items ?? []) as { pk: string; sk: string }[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return keys;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const toRecord = (i: Item): RawRecord => ({
  partition: i.partition,
  id: i.sk,
  value: JSON.parse(i.v) as unknown,
  version: i.ver,
  ...(i.expMs !== undefined && { expiresAt: new Date(i.expMs) }),
});

export interface DynamoStoreOptions {
  tenant: string;
  client: DynamoDBDocumentClient;
  table: string;
  /** Must be "<tenant>#" (what the tenant stack's LeadingKeys condition grants); checked. */
  keyPrefix?: string;
  /** Tests only: create the table in init (production identities cannot). */
  createTable?: () => Promise<void>;
  clock?: Clock;
}

export class DynamoTenantStore extends BackedTenantStore {
  readonly keyPrefix: string;

  constructor(opts: DynamoStoreOptions) {
    const tenant = requireTenant(opts?.tenant);
    const prefix = dynamoKeyPrefix(tenant);
    if (opts.keyPrefix !== undefined && opts.keyPrefix !== prefix) {
      throw new StoreInputError('config.keyPrefix', `must be "${prefix}" for tenant ${tenant}`);
    }
    super(tenant, new DynamoBackend(opts.client, opts.table, prefix, opts.createTable), opts.clock);
    this.keyPrefix = prefix;
  }
}

/** The production client: default credential chain (IRSA web identity from the pod's env). */
export async function dynamoDocumentClient(
  region: string,
  endpoint?: string,
): Promise<DynamoDBDocumentClient> {
  const [{ DynamoDBClient }, { DynamoDBDocumentClient }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/lib-dynamodb'),
  ]);
  return DynamoDBDocumentClient.from(new DynamoDBClient({ region, ...(endpoint && { endpoint }) }));
}
