/**
 * The data-plane secrets the provisioner seeds (libs/provisioning tenant-secrets.ts) reach the
 * pods that read them: cerebro mounts its session key, first managers and engine signing keys
 * (as engine-signing-NNNN.pem); the engines mount only the audit salt.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { parseCerebroConfig, parseTenant, type TenantSpecInput } from '@cw/tenant-model';
import { any, find, mountedConfig, tenant } from './fixtures.spec-helper.js';
import { renderTenant } from './render.js';

const example = (name: string) =>
  parseTenant(
    parse(readFileSync(new URL(`../../../tenants/examples/${name}.yaml`, import.meta.url), 'utf8')),
  );
const clientId = '00000000-0000-0000-0000-000000000001';
const azure = (vault: Record<string, unknown> = {}): Partial<TenantSpecInput> => ({
  cloud: { provider: 'azure', region: 'westeurope' },
  bindings: {
    vault: { kind: 'azure-key-vault', uri: 'https://kv-acme.vault.azure.net/', ...vault },
    identity: { clientId },
    database: { endpoint: 'https://cosmos-acme.documents.azure.com/', name: 'acme' },
  },
});

/** `objects` of a SecretProviderClass as { objectName, objectAlias? } (Azure's nested YAML). */
const azureObjects = (spc: unknown) =>
  (parse(any(spc).spec.parameters.objects).array as string[]).map(
    (o) => parse(o) as { objectName: string; objectAlias?: string },
  );

describe('data-plane secrets in the chart', () => {
  it('mounts the first managers and the signing keys for cerebro only, on Azure Key Vault', () => {
    const objects = renderTenant(tenant('acme', azure()));
    expect(azureObjects(find(objects, 'SecretProviderClass', 'cerebro-vault'))).toEqual([
      { objectName: 'cerebro-session-key', objectType: 'secret' },
      { objectName: 'cerebro-first-managers', objectType: 'secret' },
      { objectName: 'engine-signing-0001', objectType: 'secret', objectAlias: 'engine-signing-0001.pem' },
    ]);
    expect(azureObjects(find(objects, 'SecretProviderClass', 'tenant-vault'))).toEqual([
      { objectName: 'engine-audit-salt', objectType: 'secret' },
    ]);
    const classOf = (name: string) =>
      any(find(objects, 'Deployment', name)).spec.template.spec.volumes.find((v: { csi?: unknown }) => v.csi)
        .csi.volumeAttributes.secretProviderClass;
    expect(classOf('cerebro')).toBe('cerebro-vault');
    expect(classOf('engine-main')).toBe('tenant-vault');

    const config = parseCerebroConfig(mountedConfig(objects, 'cerebro'));
    expect(config.bootstrapManagers).toEqual([]); // no personal data in a cluster object
    expect(config.bootstrapManagersFile).toBe('/var/run/secrets/contextweaver/cerebro-first-managers');
    expect(config.engineTokens.signingKeysDir).toBe('/var/run/secrets/contextweaver');
  });

  it('mounts every key of spec.bindings.vault.signingKeys (the rotation window)', () => {
    const objects = renderTenant(
      tenant('acme', azure({ signingKeys: ['engine-signing-0002', 'engine-signing-0003'] })),
    );
    const names = azureObjects(find(objects, 'SecretProviderClass', 'cerebro-vault')).map(
      (o) => o.objectAlias,
    );
    expect(names.filter(Boolean)).toEqual(['engine-signing-0002.pem', 'engine-signing-0003.pem']);
  });

  it('aliases the .pem file on AWS and GCP and names it in the External Secret of a kubernetes vault', () => {
    const aws = renderTenant(example('aws-shared'));
    expect(
      parse(any(find(aws, 'SecretProviderClass', 'cerebro-vault')).spec.parameters.objects),
    ).toContainEqual({
      objectName: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cw/tenants/acme/engine-signing-0001',
      objectType: 'secretsmanager',
      objectAlias: 'engine-signing-0001.pem',
    });
    const gcp = renderTenant(example('gcp-dedicated'));
    expect(
      parse(any(find(gcp, 'SecretProviderClass', 'cerebro-vault')).spec.parameters.secrets),
    ).toContainEqual({
      resourceName: 'projects/cw-platform/secrets/globex_engine-signing-0001/versions/latest',
      path: 'engine-signing-0001.pem',
    });
    const local = renderTenant(
      tenant('acme', { bindings: { vault: { kind: 'kubernetes', uri: 'acme-vault' } } }),
    );
    expect(any(find(local, 'ExternalSecret', 'cerebro-vault')).spec.data).toEqual([
      { secretKey: 'cerebro-session-key', remoteRef: { key: 'acme-vault', property: 'cerebro-session-key' } },
      {
        secretKey: 'cerebro-first-managers',
        remoteRef: { key: 'acme-vault', property: 'cerebro-first-managers' },
      },
      {
        secretKey: 'engine-signing-0001.pem',
        remoteRef: { key: 'acme-vault', property: 'engine-signing-0001' },
      },
    ]);
  });

  it('refuses a signing key name that is not engine-signing-NNNN or repeats', () => {
    expect(() => tenant('acme', azure({ signingKeys: ['engine-signing-1.pem'] }))).toThrow(/signingKeys/);
    expect(() =>
      tenant('acme', azure({ signingKeys: ['engine-signing-0001', 'engine-signing-0001'] })),
    ).toThrow(/signingKeys/);
  });
});
