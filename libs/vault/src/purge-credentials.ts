/**
 * Offboarding a tenant's credentials from any backend, through the port: every credential people
 * saved (user, group and org scope) deleted, then listed again to check none is left. For the
 * cloud vaults, whose stack's own secrets go with the stack's destroy but whose `cred-*` secrets
 * are not stack resources. The backend serves one tenant and lists only its prefix, so `acme`
 * never touches `acme-eu`. Safe to repeat: a second run finds nothing and says 0.
 */
import type { VaultBackend } from './vault.port.js';

/** The actor the deletes are recorded as (hashed by the backend, like any actor). */
export const OFFBOARDING_ACTOR = 'platform:offboarding';

/** A backend that removes its credentials by name (the cloud ones: their listed scopes are hashed). */
interface PurgesByName {
  purgeCredentials(): Promise<number>;
}
const purgesByName = (b: unknown): b is PurgesByName =>
  typeof (b as PurgesByName).purgeCredentials === 'function';

export async function purgeVaultCredentials(backend: VaultBackend): Promise<number> {
  let removed = 0;
  if (purgesByName(backend)) removed = await backend.purgeCredentials();
  else
    for (const c of await backend.list())
      if (await backend.delete({ plugin: c.plugin, name: c.name, scope: c.scope }, OFFBOARDING_ACTOR))
        removed += 1;
  const left = (await backend.list()).length;
  if (left > 0) throw new VaultPurgeIncompleteError(backend.tenant, left);
  return removed;
}

/** Credentials were saved during the purge (a workload still running?): the step's retry purges again. */
export class VaultPurgeIncompleteError extends Error {
  constructor(
    readonly tenant: string,
    readonly left: number,
  ) {
    super(
      `${left} credentials of "${tenant}" were still listed after the purge (is a workload still running?)`,
    );
    this.name = 'VaultPurgeIncompleteError';
  }
}
