/**
 * What an adapter implements: untyped records of one tenant. The typed `Collection` wrapper
 * (typed-collection.ts) does every validation once, so adapters only store and fetch.
 */
export interface RawRecord {
  partition: string;
  id: string;
  /** JSON value, already validated. */
  value: unknown;
  version: string;
  expiresAt?: Date;
}

export interface RawWrite {
  value: unknown;
  /** Fresh version for this write (adapters that own their versions, like Cosmos etags, may ignore it). */
  version: string;
  expiresAt?: Date;
}

export interface RawQuery {
  /** Already validated: 1..1000. Adapters return at most limit + 1 items so the wrapper sees "more". */
  fetch: number;
  order: 'asc' | 'desc';
  /** Exclusive bound from the cursor: ids after (asc) or before (desc) it. */
  after?: string;
  idPrefix?: string;
}

export interface RecordBackend {
  readonly adapter: string;
  /** Live (unexpired) record or undefined. */
  get(collection: string, partition: string, id: string, now: Date): Promise<RawRecord | undefined>;
  /** Throws AlreadyExistsError if a live record exists; an expired one is replaced. */
  create(collection: string, partition: string, id: string, write: RawWrite, now: Date): Promise<RawRecord>;
  /** ifVersion set: replace only the live record with that version, else VersionConflictError. */
  put(
    collection: string,
    partition: string,
    id: string,
    write: RawWrite,
    ifVersion: string | undefined,
    now: Date,
  ): Promise<RawRecord>;
  /** False when no live record; VersionConflictError when ifVersion differs from the live one. */
  delete(
    collection: string,
    partition: string,
    id: string,
    ifVersion: string | undefined,
    now: Date,
  ): Promise<boolean>;
  /** Live records of one partition ordered by id (binary order). */
  query(collection: string, partition: string, q: RawQuery, now: Date): Promise<RawRecord[]>;
  init(): Promise<void>;
  dropTenantData(): Promise<void>;
  close(): Promise<void>;
}
