// storeAdapterFromTenant (libs/tenant-model) for every cloud and isolation, and the config schema's errors.
import { describe, expect, it } from 'vitest';
import {
  STORE_PGLITE_DIR,
  StoreAdapterBindingError,
  storeAdapterConfigSchema,
  storeAdapterFromTenant,
  type Tenant,
} from '@cw/tenant-model';

const tenant = (
  provider: string,
  region: string,
  database?: { endpoint: string; name: string },
  slug = 'acme',
) =>
  ({
    metadata: { name: slug },
    spec: { cloud: { provider, region }, bindings: database ? { database } : {} },
  }) as unknown as Tenant;

describe('storeAdapterFromTenant', () => {
  it('local: PGlite without a binding, PostgreSQL from a postgres:// binding (URL via the mounted secret)', () => {
    expect(storeAdapterFromTenant(tenant('local', 'local'))).toEqual({
      kind: 'pglite',
      dataDir: STORE_PGLITE_DIR,
    });
    expect(
      storeAdapterFromTenant(
        tenant('local', 'local', { endpoint: 'postgres://db.local:5432/cw', name: 'tenant_acme' }),
      ),
    ).toEqual({
      kind: 'postgres',
      urlFile: '/var/run/secrets/contextweaver/database-url',
      schema: 'tenant_acme',
    });
  });

  it('aws: keeps a non-default endpoint (VPC endpoint), drops the regional default', () => {
    const vpc = storeAdapterFromTenant(
      tenant('aws', 'eu-west-1', {
        endpoint: 'https://vpce-1.dynamodb.eu-west-1.vpce.amazonaws.com',
        name: 'cw-acme',
      }),
    );
    expect(vpc).toMatchObject({
      kind: 'dynamodb',
      table: 'cw-acme',
      endpoint: expect.stringContaining('vpce'),
    });
    const std = storeAdapterFromTenant(
      tenant('aws', 'eu-west-1', {
        endpoint: 'https://dynamodb.eu-west-1.amazonaws.com',
        name: 'cw-tenants',
      }),
    );
    expect(std).not.toHaveProperty('endpoint');
  });

  it('gcp: shared database keeps the slug_ prefix; a malformed endpoint names the field', () => {
    expect(
      storeAdapterFromTenant(
        tenant(
          'gcp',
          'europe-west1',
          { endpoint: 'projects/p1/databases/shared', name: 'acme-eu_' },
          'acme-eu',
        ),
      ),
    ).toEqual({ kind: 'firestore', projectId: 'p1', databaseId: 'shared', collectionPrefix: 'acme-eu_' });
    expect(() =>
      storeAdapterFromTenant(tenant('gcp', 'europe-west1', { endpoint: 'p1/shared', name: 'x' })),
    ).toThrow(StoreAdapterBindingError);
  });

  it('a cloud tenant without its database binding is refused, naming spec.bindings.database', () => {
    for (const cloud of ['azure', 'aws', 'gcp']) {
      expect(() => storeAdapterFromTenant(tenant(cloud, 'westeurope'))).toThrow(/spec\.bindings\.database/);
    }
  });

  it('the config schema names the bad field', () => {
    const r = storeAdapterConfigSchema.safeParse({ kind: 'postgres', urlFile: '/x', schema: 'Bad Schema' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['schema']);
    expect(
      storeAdapterConfigSchema.safeParse({ kind: 'dynamodb', region: 'eu-west-1', table: 't' }).success,
    ).toBe(false);
  });
});
