/**
 * Domain errors of the vault. None of them ever carries a credential value: messages name the
 * field, the level or the groups, and wrapped backend failures keep only the error's name/code.
 */

export abstract class VaultError extends Error {}

/** Bad input: names the field (path); nothing was written. A 4xx. */
export class VaultInputError extends VaultError {
  override name = 'VaultInputError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** The backend could not answer. Never a reason to fall back to another level's credential. */
export class VaultUnavailableError extends VaultError {
  override name = 'VaultUnavailableError';
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {
    super(`vault unavailable (${backend}): ${reason}`);
  }
}

/** Two or more of the user's groups hold the credential and the request named none of them. */
export class CredentialConflictError extends VaultError {
  override name = 'CredentialConflictError';
  constructor(
    readonly plugin: string,
    readonly credential: string,
    readonly groups: readonly string[],
  ) {
    super(
      `credential ${plugin}/${credential} is set by several of your groups (${groups.join(', ')}): name the group to use`,
    );
  }
}

/** A stored record failed authentication (tampered, moved, or a wrong master key). */
export class VaultIntegrityError extends VaultError {
  override name = 'VaultIntegrityError';
  constructor(reason: string) {
    super(`credential record failed to decrypt: ${reason}`);
  }
}

/** The caller may not manage credentials at that scope. A 403. */
export class VaultForbiddenError extends VaultError {
  override name = 'VaultForbiddenError';
  constructor(reason: string) {
    super(`not allowed: ${reason}`);
  }
}

/**
 * Turns any backend failure into VaultUnavailableError without its message: SDK errors can quote
 * the request (and so a value being written). Only the error's name and code survive.
 */
export function unavailable(backend: string, error: unknown): VaultError {
  if (error instanceof VaultError) return error;
  const e = error as { name?: unknown; code?: unknown; status?: unknown; statusCode?: unknown };
  const parts = [e?.name, e?.code, e?.status ?? e?.statusCode]
    .filter((p) => typeof p === 'string' || typeof p === 'number')
    .map(String)
    .map((p) => p.replace(/[^\w.-]/g, '').slice(0, 60));
  return new VaultUnavailableError(backend, parts.length ? parts.join(' ') : 'backend error');
}
