/** A TenantStore is a tenant + a RecordBackend; this is the one shared shell every adapter uses. */
import { SLUG_MAX, SLUG_MIN, SLUG_PATTERN } from '@cw/tenant-model';
import { StoreInputError, StoreUnavailableError, TenantStoreError } from '../errors.js';
import type { Collection, CollectionDefinition, TenantStore } from '../port.js';
import type { RecordBackend } from './record-backend.js';
import { TypedCollection, type Clock } from './typed-collection.js';

const SLUG_RE = new RegExp(SLUG_PATTERN);

/** Every adapter calls this first: a store without a valid tenant cannot exist. */
export function requireTenant(tenant: unknown): string {
  if (typeof tenant !== 'string' || tenant === '') {
    throw new StoreInputError('tenant', 'is required: every store is scoped to one tenant');
  }
  // Slugs never contain '#', '_' or '/': adapters rely on that to keep "acme" and "acme-eu" apart.
  if (tenant.length < SLUG_MIN || tenant.length > SLUG_MAX || !SLUG_RE.test(tenant)) {
    throw new StoreInputError(
      'tenant',
      `must be a tenant slug (${SLUG_PATTERN}, ${SLUG_MIN}-${SLUG_MAX} chars)`,
    );
  }
  return tenant;
}

export class BackedTenantStore implements TenantStore {
  readonly tenant: string;

  constructor(
    tenant: string,
    protected readonly backend: RecordBackend,
    private readonly clock: Clock = () => new Date(),
  ) {
    this.tenant = requireTenant(tenant);
  }

  collection<T>(def: CollectionDefinition<T>): Collection<T> {
    return new TypedCollection(def, this.backend, this.clock);
  }

  init(): Promise<void> {
    return this.wrap(() => this.backend.init());
  }

  dropTenantData(): Promise<void> {
    return this.wrap(() => this.backend.dropTenantData());
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  private async wrap(op: () => Promise<void>): Promise<void> {
    try {
      await op();
    } catch (e) {
      if (e instanceof TenantStoreError) throw e;
      throw new StoreUnavailableError(this.backend.adapter, (e as Error).message, { cause: e });
    }
  }
}
