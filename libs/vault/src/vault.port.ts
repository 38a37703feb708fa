/**
 * The credential vault port: what the engine's gate, cerebro's "My Credentials" page and the
 * control plane code against. A value enters through `put` and leaves only through `get`, which
 * only the resolver calls (at the moment a plugin calls its downstream API); every other answer
 * carries metadata. One backend instance serves one tenant.
 */

export type CredentialLevel = 'user' | 'group' | 'org';

export type CredentialScope =
  { level: 'user'; userId: string } | { level: 'group'; groupId: string } | { level: 'org' };

export interface CredentialRef {
  /** Plugin id, `^[a-z][a-z0-9-]{0,30}$` (the plugin contract's id). */
  plugin: string;
  /** Credential name, `^[a-z][a-z0-9_-]{0,62}$` (the plugin contract's CredentialNeed.name). */
  name: string;
  scope: CredentialScope;
}

export interface CredentialMetadata {
  plugin: string;
  name: string;
  scope: CredentialScope;
  /** Hashed actor (`hashActor(tenant, actor)`), never a raw user id or e-mail. */
  setBy: string;
  /** ISO-8601. */
  setAt: string;
  /** ISO-8601; updated at most once an hour per credential (local backend) (see docs/vault.md). */
  lastUsedAt?: string;
  /** 1 on first write, +1 on each replacement. */
  version: number;
}

export interface VaultBackend {
  readonly tenant: string;
  /** Writes or replaces a value. `actor` is the person (raw id); the backend stores only its hash. */
  put(ref: CredentialRef, value: string, actor: string): Promise<CredentialMetadata>;
  /** For the resolver only: never expose this through an API. */
  get(ref: CredentialRef): Promise<string | undefined>;
  list(filter?: { plugin?: string; scope?: CredentialScope }): Promise<CredentialMetadata[]>;
  delete(ref: CredentialRef, actor: string): Promise<boolean>;
}

export interface ResolveRequest {
  userId: string;
  groups: readonly string[];
  plugin: string;
  name: string;
  /** Required when two or more of the user's groups hold the credential. */
  group?: string;
}

export type Resolved =
  | { found: true; level: CredentialLevel; groupId?: string; reveal(): string }
  | { found: false; message: string };

export const NOT_CONFIGURED_MESSAGE = 'configure your credentials in My Credentials';
