/**
 * What every part of cerebro is built from, created once at boot (main.ts) or by a test. The hub
 * receives the same object in `registerHub(app, deps)`.
 */
import { createHash } from 'node:crypto';
import type { CerebroConfig } from '@cw/tenant-model';
import type { TenantStore } from '@cw/tenant-store';
import type { VaultBackend } from '@cw/vault';
import type { Mailer } from '@cw/mail';
import type { Logger, Registry } from '@cw/observability';
import type { PluginManifest } from '@cw/mcp-gate';

export interface CerebroDeps {
  readonly config: CerebroConfig;
  /** The tenant store handle: the only place tenant data lives. */
  readonly store: TenantStore;
  readonly vault: VaultBackend;
  readonly mailer: Mailer;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Key material for CSRF tokens (from sessionKeyFile, else random per process). */
  readonly sessionKey: Buffer;
  readonly now: () => Date;
  /** fetch used towards identity providers (tests wrap it to tamper with token responses). */
  readonly idpFetch?: typeof fetch;
  /** Manifests of plugins without a package here (tests; third-party plugins). */
  readonly pluginManifests?: Readonly<Record<string, PluginManifest>>;
}

/** A user's stable id in this tenant: hashed e-mail, so it can sit in URLs, audit rows and vault scopes. */
export const userIdOf = (tenant: string, email: string): string =>
  `u_${createHash('sha256').update(`${tenant}:${email.trim().toLowerCase()}`).digest('hex').slice(0, 32)}`;

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');
