import { describe, expect, it } from 'vitest';
import { sampleTenant } from '../fixtures.js';
import { parseTenant } from '../validate.js';
import { vaultAdapterConfigSchema, vaultAdapterFromTenant } from './vault-adapter.js';

const tenant = (provider: string, region: string, vault?: { uri: string; kind: string }) =>
  parseTenant(sampleTenant({ spec: { cloud: { provider, region }, ...(vault && { bindings: { vault } }) } }));

describe('vaultAdapterFromTenant', () => {
  it('maps each cloud binding to its adapter and anything else to the local backend', () => {
    expect(vaultAdapterFromTenant(tenant('local', 'local'))).toEqual({
      kind: 'local',
      masterKeyFile: '/var/run/secrets/contextweaver/vault-master-key',
    });
    expect(
      vaultAdapterFromTenant(tenant('aws', 'eu-west-1', { uri: 'x', kind: 'kubernetes' }), {
        masterKeyFile: '/k',
      }),
    ).toEqual({ kind: 'local', masterKeyFile: '/k' });
    expect(
      vaultAdapterFromTenant(
        tenant('aws', 'eu-west-1', {
          uri: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cw/tenants/acme/',
          kind: 'aws-secrets-manager',
        }),
      ),
    ).toEqual({
      kind: 'aws-secrets-manager',
      region: 'eu-west-1',
      prefix: 'cw/tenants/acme/',
      kmsKeyId: 'alias/cw/tenants/acme',
    });
    expect(
      vaultAdapterFromTenant(
        tenant('gcp', 'europe-west1', { uri: 'projects/p1/secrets/acme_', kind: 'gcp-secret-manager' }),
      ),
    ).toEqual({ kind: 'gcp-secret-manager', projectId: 'p1', prefix: 'acme_', location: 'europe-west1' });
    expect(
      vaultAdapterFromTenant(
        tenant('azure', 'westeurope', { uri: 'https://cw-acme.vault.azure.net/', kind: 'azure-key-vault' }),
      ),
    ).toEqual({ kind: 'azure-key-vault', vaultUrl: 'https://cw-acme.vault.azure.net/' });
  });

  it('refuses prefixes that escape and unknown kinds, naming the field', () => {
    const bad = vaultAdapterConfigSchema.safeParse({
      kind: 'hashicorp-vault',
      address: 'http://vault:8200',
      mount: 'secret',
      role: 'r',
      prefix: 'tenants/../other/',
    });
    expect(bad.success || bad.error.issues[0]?.path).toEqual(['prefix']);
    expect(vaultAdapterConfigSchema.safeParse({ kind: 'file', dir: '/x' }).success).toBe(false);
  });
});
