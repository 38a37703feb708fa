/** Domain errors of the tenant store; an HTTP layer maps them (input → 400, conflicts → 409, unavailable → 503). */
export class TenantStoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class AlreadyExistsError extends TenantStoreError {
  constructor(
    readonly collection: string,
    readonly partition: string,
    readonly id: string,
  ) {
    super(`${collection}: an item with this id already exists in the partition`);
  }
}

export class VersionConflictError extends TenantStoreError {
  constructor(
    readonly collection: string,
    readonly partition: string,
    readonly id: string,
  ) {
    super(`${collection}: the item changed or is gone (version conflict)`);
  }
}

/** Bad input: `field` names it (e.g. "id", "value.email", "opts.ttlSeconds"). Nothing was written. */
export class StoreInputError extends TenantStoreError {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** The backend could not be reached or refused the request; retry later. */
export class StoreUnavailableError extends TenantStoreError {
  constructor(
    readonly adapter: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${adapter}: ${message}`, options);
  }
}
