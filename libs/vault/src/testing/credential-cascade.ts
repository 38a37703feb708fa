/**
 * One credential set at all three cascade levels in an in-memory vault, and three callers that
 * each resolve to a different level: `own` has a user-level value, `group` only its group's
 * (`eng`), `org` only the org's. Plugin tests assert the downstream server saw the matching value.
 * (A test fixture of the vault itself, so @cw/testing does not depend on @cw/vault.)
 */
import { CredentialResolver } from '../credential-resolver.js';
import { MemoryVaultBackend } from '../backends/memory.backend.js';

export interface CascadeValues {
  user: string;
  group: string;
  org: string;
}

export async function credentialCascade(
  plugin: string,
  name: string,
  values: CascadeValues,
  tenant = 'acme',
) {
  const backend = new MemoryVaultBackend(tenant);
  await backend.put({ plugin, name, scope: { level: 'user', userId: 'user-alice' } }, values.user, 'admin-1');
  await backend.put({ plugin, name, scope: { level: 'group', groupId: 'eng' } }, values.group, 'admin-1');
  await backend.put({ plugin, name, scope: { level: 'org' } }, values.org, 'admin-1');
  const users = {
    own: { id: 'user-alice', email: 'alice@example.com', groups: ['eng'], tenant },
    group: { id: 'user-bob', email: 'bob@example.com', groups: ['eng'], tenant },
    org: { id: 'user-carol', email: 'carol@example.com', groups: ['sales'], tenant },
  } satisfies Record<string, { id: string; email: string; groups: string[]; tenant: string }>;
  return { backend, resolver: new CredentialResolver(backend, { cacheTtlMs: 0 }), users };
}
