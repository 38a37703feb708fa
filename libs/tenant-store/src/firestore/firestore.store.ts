/**
 * Google Firestore adapter — UNTESTED HERE: no Firestore emulator can run on this machine; the
 * contract suite runs against it only when FIRESTORE_EMULATOR_HOST is set (docs/tenant-store.md).
 *
 * Layout: `<slug>_<collection>/<sha256(partition)>/items/<sha256(id)>` in the tenant's database
 * (dedicated) or the platform's shared one, whose collections the tenant stack names `<slug>_…`.
 * Firestore IAM stops at the database, so on a shared database this prefix IS the isolation
 * ('_' is not in a slug: "acme_" never prefixes "acme-eu_"). Queries order by the stored `key`
 * within one partition's subcollection (single-field indexes only, no composite index to deploy);
 * expired items are filtered in code. Conditional writes run in transactions.
 */
import { createHash } from 'node:crypto';
import type { CollectionReference, DocumentReference, Firestore, Query } from '@google-cloud/firestore';
import { AlreadyExistsError, StoreInputError, VersionConflictError } from '../errors.js';
import { BackedTenantStore, requireTenant } from '../core/backed-store.js';
import type { RawQuery, RawRecord, RawWrite, RecordBackend } from '../core/record-backend.js';
import type { Clock } from '../core/typed-collection.js';

interface Doc {
  tenant: string;
  partition: string;
  key: string;
  /** JSON text: exact round trip, no Firestore type coercion. */
  v: string;
  ver: string;
  expMs: number | null;
  /** For a Firestore TTL policy on `expiresAt`, if the platform enables one. */
  expiresAt: Date | null;
}

const hash = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const live = (d: Doc, now: Date): boolean => d.expMs === null || d.expMs > now.getTime();

export const firestoreCollectionPrefix = (tenant: string): string => `${tenant}_`;

export class FirestoreBackend implements RecordBackend {
  readonly adapter = 'firestore';

  constructor(
    private readonly db: Firestore,
    private readonly tenant: string,
    readonly prefix: string,
  ) {}

  /** The path of one partition: exported for the key-layout test that runs without an emulator. */
  items(collection: string, partition: string): CollectionReference {
    return this.db.collection(`${this.prefix}${collection}`).doc(hash(partition)).collection('items');
  }

  private ref(collection: string, partition: string, id: string): DocumentReference {
    return this.items(collection, partition).doc(hash(id));
  }

  private doc(partition: string, id: string, w: RawWrite): Doc {
    return {
      tenant: this.tenant,
      partition,
      key: id,
      v: JSON.stringify(w.value),
      ver: w.version,
      expMs: w.expiresAt?.getTime() ?? null,
      expiresAt: w.expiresAt ?? null,
    };
  }

  init(): Promise<void> {
    return Promise.resolve(); // schemaless; the tenant stack created the database
  }

  async get(collection: string, partition: string, id: string, now: Date): Promise<RawRecord | undefined> {
    const snap = await this.ref(collection, partition, id).get();
    const d = snap.data() as Doc | undefined;
    return d && d.key === id && live(d, now) ? toRecord(d) : undefined;
  }

  async create(
    collection: string,
    partition: string,
    id: string,
    w: RawWrite,
    now: Date,
  ): Promise<RawRecord> {
    const ref = this.ref(collection, partition, id);
    const doc = this.doc(partition, id, w);
    await this.db.runTransaction(async (tx) => {
      const cur = (await tx.get(ref)).data() as Doc | undefined;
      if (cur && live(cur, now)) throw new AlreadyExistsError(collection, partition, id);
      tx.set(ref, doc);
    });
    return toRecord(doc);
  }

  async put(
    collection: string,
    partition: string,
    id: string,
    w: RawWrite,
    ifVersion: string | undefined,
    now: Date,
  ): Promise<RawRecord> {
    const ref = this.ref(collection, partition, id);
    const doc = this.doc(partition, id, w);
    if (ifVersion === undefined) {
      await ref.set(doc);
      return toRecord(doc);
    }
    await this.db.runTransaction(async (tx) => {
      const cur = (await tx.get(ref)).data() as Doc | undefined;
      if (!cur || !live(cur, now) || cur.ver !== ifVersion)
        throw new VersionConflictError(collection, partition, id);
      tx.set(ref, doc);
    });
    return toRecord(doc);
  }

  async delete(
    collection: string,
    partition: string,
    id: string,
    ifVersion: string | undefined,
    now: Date,
  ): Promise<boolean> {
    const ref = this.ref(collection, partition, id);
    return this.db.runTransaction(async (tx) => {
      const cur = (await tx.get(ref)).data() as Doc | undefined;
      if (!cur) return false;
      if (!live(cur, now)) {
        tx.delete(ref); // lazy sweep
        return false;
      }
      if (ifVersion !== undefined && cur.ver !== ifVersion)
        throw new VersionConflictError(collection, partition, id);
      tx.delete(ref);
      return true;
    });
  }

  async query(collection: string, partition: string, q: RawQuery, now: Date): Promise<RawRecord[]> {
    const asc = q.order === 'asc';
    let base: Query = this.items(collection, partition).orderBy('key', asc ? 'asc' : 'desc');
    if (q.idPrefix !== undefined) {
      base = base.where('key', '>=', q.idPrefix).where('key', '<', `${q.idPrefix}\u{10FFFF}`);
    }
    const out: Doc[] = [];
    let after = q.after;
    // Expired items are dropped in code, so page until enough live ones or the end.
    for (;;) {
      const page = await (after === undefined ? base : base.startAfter(after)).limit(q.fetch).get();
      for (const s of page.docs) {
        const d = s.data() as Doc;
        if (live(d, now)) out.push(d);
      }
      if (out.length >= q.fetch || page.size < q.fetch) break;
      after = (page.docs.at(-1)?.data() as Doc).key;
    }
    return out.slice(0, q.fetch).map(toRecord);
  }

  async dropTenantData(): Promise<void> {
    for (const c of await this.db.listCollections()) {
      if (c.id.startsWith(this.prefix)) await this.db.recursiveDelete(c);
    }
  }

  close(): Promise<void> {
    return Promise.resolve(); // the Firestore client is owned by whoever built it
  }
}

const toRecord = (d: Doc): RawRecord => ({
  partition: d.partition,
  id: d.key,
  value: JSON.parse(d.v) as unknown,
  version: d.ver,
  ...(d.expMs !== null && { expiresAt: new Date(d.expMs) }),
});

export interface FirestoreStoreOptions {
  tenant: string;
  client: Firestore;
  /** Must be "<tenant>_" (the tenant stack's collection prefix); checked. */
  collectionPrefix?: string;
  clock?: Clock;
}

export class FirestoreTenantStore extends BackedTenantStore {
  readonly layout: FirestoreBackend;

  constructor(opts: FirestoreStoreOptions) {
    const tenant = requireTenant(opts?.tenant);
    const prefix = firestoreCollectionPrefix(tenant);
    if (opts.collectionPrefix !== undefined && opts.collectionPrefix !== prefix) {
      throw new StoreInputError('config.collectionPrefix', `must be "${prefix}" for tenant ${tenant}`);
    }
    const backend = new FirestoreBackend(opts.client, tenant, prefix);
    super(tenant, backend, opts.clock);
    this.layout = backend;
  }
}

/** The production client: Application Default Credentials (GKE Workload Identity). */
export async function firestoreClient(projectId: string, databaseId: string): Promise<Firestore> {
  const { Firestore } = await import('@google-cloud/firestore');
  return new Firestore({ projectId, databaseId, ignoreUndefinedProperties: true });
}
