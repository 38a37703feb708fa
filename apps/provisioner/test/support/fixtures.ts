/** Test environment of the provisioner: a schema, a queue prefix, artifact and outbox directories. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Repositories } from '@cw/db';
import { parseTenant, sampleTenant, type TenantSpecInput } from '@cw/tenant-model';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ProvisionerTestEnv {
  readonly env: NodeJS.ProcessEnv;
  readonly artifactsDir: string;
  readonly outboxDir: string;
  readonly prefix: string;
  /** Removes the artifacts and outbox directories. */
  cleanup(): void;
}

export function provisionerEnv(extra: NodeJS.ProcessEnv = {}): ProvisionerTestEnv {
  const dir = mkdtempSync(join(tmpdir(), 'cw-provisioner-'));
  const prefix = `cwp-${randomBytes(4).toString('hex')}`;
  const artifactsDir = join(dir, 'tenants');
  const outboxDir = join(dir, 'outbox');
  return {
    artifactsDir,
    outboxDir,
    prefix,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    env: {
      PATH: process.env.PATH,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifactsDir,
      MAIL_TRANSPORT: 'outbox',
      MAIL_OUTBOX_DIR: outboxDir,
      // The local vault the render step seeds (its PGlite is per process: never the checkout's).
      VAULT_DIR: join(dir, 'vault'),
      PROVISIONER_CONCURRENCY: '8',
      PROVISIONER_LOCK_MS: '2000',
      LOG_LEVEL: 'warn',
      ...extra,
    },
  };
}

export async function createTenant(
  db: Repositories,
  slug: string,
  spec: Partial<TenantSpecInput> = {},
  state: 'provisioning' | 'pending_payment' = 'provisioning',
) {
  const parsed = parseTenant(
    sampleTenant({
      name: slug,
      spec: { hostname: `${slug}.localtest.me`, displayName: `Org ${slug}`, ...spec },
    }),
  ).spec;
  return db.tenants.create({
    slug,
    spec: parsed,
    adminEmail: `admin@${slug}.example.com`,
    correlationId: `cs_${slug}`,
    billingMode: 'stripe',
    state,
  });
}
