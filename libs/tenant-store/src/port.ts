/**
 * The tenant store port: typed collections of JSON records, partitioned, versioned, expiring.
 * Use cases are written against this only; adapters (memory, PostgreSQL/PGlite, Cosmos DB,
 * DynamoDB, Firestore) are chosen by `openTenantStore` from configuration.
 */
import type { z } from 'zod';

export interface CollectionDefinition<T> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
}

export interface StoredItem<T> {
  id: string;
  partition: string;
  value: T;
  /** Opaque; pass back as `ifVersion` for optimistic concurrency. Changes on every write. */
  version: string;
  expiresAt?: Date;
}

export interface QueryOptions {
  /** Default 100, max 1000. */
  limit?: number;
  /** From the previous page's answer. */
  cursor?: string;
  idPrefix?: string;
  /** By id; default asc. */
  order?: 'asc' | 'desc';
}

export interface Collection<T> {
  /** Expired items are never returned. */
  get(partition: string, id: string): Promise<StoredItem<T> | undefined>;
  /** Throws AlreadyExistsError when a live item has that id. */
  create(partition: string, id: string, value: T, opts?: { ttlSeconds?: number }): Promise<StoredItem<T>>;
  /** Replaces the item (and its expiry). With ifVersion: VersionConflictError unless the live item has it. */
  put(
    partition: string,
    id: string,
    value: T,
    opts?: { ifVersion?: string; ttlSeconds?: number },
  ): Promise<StoredItem<T>>;
  /** False when no live item had that id. With ifVersion: VersionConflictError on another version. */
  delete(partition: string, id: string, opts?: { ifVersion?: string }): Promise<boolean>;
  query(partition: string, opts?: QueryOptions): Promise<{ items: StoredItem<T>[]; cursor?: string }>;
}

export interface TenantStore {
  readonly tenant: string;
  collection<T>(def: CollectionDefinition<T>): Collection<T>;
  /** Idempotent migrations/initialisation; run at start. */
  init(): Promise<void>;
  /** Offboarding: every record of this tenant, nothing of another. */
  dropTenantData(): Promise<void>;
  close(): Promise<void>;
}

const COLLECTION_NAME = /^[a-z][a-z0-9_-]{0,62}$/;

export function defineCollection<T>(name: string, schema: z.ZodType<T>): CollectionDefinition<T> {
  if (!COLLECTION_NAME.test(name)) {
    throw new TypeError(
      `collection name "${name}" must match ${COLLECTION_NAME.source} (lowercase letters, digits, - and _)`,
    );
  }
  return Object.freeze({ name, schema });
}
