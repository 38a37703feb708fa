import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { any, synth } from '../fixtures.spec-helper.js';
import { resolveRenderOptions } from '../options.js';
import { RenderIssue } from './api.js';
import { SECRETS_DIR, VaultSecrets, type VaultSecretsProps } from './vault-secrets.construct.js';

const base: Omit<VaultSecretsProps, 'cloud' | 'vault'> = {
  slug: 'acme',
  namespace: 'tenant-acme',
  region: 'eu-west-1',
  identity: { clientId: 'client-1' },
  secrets: [{ key: 'cerebro-session-key' }, { key: 'oidc-client-secret' }],
  options: resolveRenderOptions({ azureTenantId: 'entra-tenant' }),
};

function render(props: Partial<VaultSecretsProps> & Pick<VaultSecretsProps, 'cloud'>) {
  let volume: VaultSecrets['volume'];
  const objects = synth((c) => (volume = new VaultSecrets(c, 'vault', { ...base, ...props }).volume));
  return { objects, volume };
}

describe('VaultSecrets', () => {
  it('renders its defaults (snapshot)', () => {
    expect(
      render({
        cloud: 'azure',
        vault: { kind: 'azure-key-vault', uri: 'https://kv-cw-acme.vault.azure.net/' },
      }).objects,
    ).toMatchSnapshot();
  });

  it('mounts Azure Key Vault secrets through the CSI driver with the workload identity client id', () => {
    const { objects, volume } = render({
      cloud: 'azure',
      vault: { kind: 'azure-key-vault', uri: 'https://kv-cw-acme.vault.azure.net/' },
    });
    const [spc] = objects;
    expect(spc!.kind).toBe('SecretProviderClass');
    expect(spc!.apiVersion).toBe('secrets-store.csi.x-k8s.io/v1');
    const p = any(spc).spec.parameters;
    expect(any(spc).spec.provider).toBe('azure');
    expect(p).toMatchObject({
      keyvaultName: 'kv-cw-acme',
      clientID: 'client-1',
      tenantId: 'entra-tenant',
      usePodIdentity: 'false',
    });
    const objectsParam = parse(p.objects).array.map((s: string) => parse(s));
    expect(objectsParam).toEqual([
      { objectName: 'cerebro-session-key', objectType: 'secret' },
      { objectName: 'oidc-client-secret', objectType: 'secret' },
    ]);
    expect(volume).toEqual({
      name: 'vault',
      mountPath: SECRETS_DIR,
      source: {
        csi: {
          driver: 'secrets-store.csi.k8s.io',
          readOnly: true,
          volumeAttributes: { secretProviderClass: 'tenant-vault' },
        },
      },
    });
  });

  it('references AWS Secrets Manager secrets under the vault prefix', () => {
    const uri = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cw/tenants/acme/';
    const { objects } = render({ cloud: 'aws', vault: { kind: 'aws-secrets-manager', uri } });
    const p = any(objects[0]).spec.parameters;
    expect(any(objects[0]).spec.provider).toBe('aws');
    expect(p.region).toBe('eu-west-1');
    expect(parse(p.objects)[1]).toEqual({
      objectName: `${uri}oidc-client-secret`,
      objectType: 'secretsmanager',
      objectAlias: 'oidc-client-secret',
    });
  });

  it('references GCP Secret Manager secret versions', () => {
    const { objects } = render({
      cloud: 'gcp',
      vault: { kind: 'gcp-secret-manager', uri: 'projects/p/secrets/acme-' },
    });
    expect(parse(any(objects[0]).spec.parameters.secrets)[0]).toEqual({
      resourceName: 'projects/p/secrets/acme-cerebro-session-key/versions/latest',
      path: 'cerebro-session-key',
    });
  });

  it('uses External Secrets for a kubernetes vault, in the API version discovery chose', () => {
    const options = resolveRenderOptions({
      capabilities: { externalSecrets: 'external-secrets.io/v1beta1' },
    });
    const { objects, volume } = render({
      cloud: 'local',
      vault: { kind: 'kubernetes', uri: 'acme-vault' },
      options,
    });
    const [es] = objects;
    expect(es!.apiVersion).toBe('external-secrets.io/v1beta1');
    expect(any(es).spec.secretStoreRef).toEqual({ name: 'cw-tenant-vault', kind: 'ClusterSecretStore' });
    expect(any(es).spec.data[1]).toEqual({
      secretKey: 'oidc-client-secret',
      remoteRef: { key: 'acme-vault', property: 'oidc-client-secret' },
    });
    expect(volume!.source).toEqual({ secret: { secretName: 'tenant-vault', defaultMode: 0o440 } });
  });

  it('renders nothing when no secret is needed', () => {
    const { objects, volume } = render({ cloud: 'local', secrets: [] });
    expect(objects).toEqual([]);
    expect(volume).toBeUndefined();
  });

  it('names the field to fix when the vault cannot serve the cloud or is missing', () => {
    expect(() =>
      render({ cloud: 'aws', vault: { kind: 'azure-key-vault', uri: 'https://kv.vault.azure.net/' } }),
    ).toThrow(
      new RenderIssue(
        'spec.bindings.vault.kind',
        '"azure-key-vault" cannot be mounted on aws (expected aws-secrets-manager or kubernetes)',
      ),
    );
    expect(() => render({ cloud: 'aws' })).toThrow(/^spec\.bindings\.vault: is required/);
    expect(() =>
      render({
        cloud: 'azure',
        identity: {},
        vault: { kind: 'azure-key-vault', uri: 'https://kv.vault.azure.net/' },
      }),
    ).toThrow(/^spec\.bindings\.identity\.clientId: is required/);
  });
});
