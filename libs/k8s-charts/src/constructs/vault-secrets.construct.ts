import { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { CloudProvider, TenantBindings } from '@cw/tenant-model';
import { tenantLabels } from '../labels.js';
import type { ResolvedRenderOptions } from '../options.js';
import { addObject, RenderIssue } from './api.js';
import type { Volume } from './pod.js';

type Vault = NonNullable<TenantBindings['vault']>;
export type VaultKind = Vault['kind'];

export interface VaultSecretRef {
  /** Name of the secret in the tenant vault; also the file name it is mounted as, unless `file`. */
  readonly key: string;
  /** File name inside the mount when it differs from the vault name (vault names allow no `.`). */
  readonly file?: string;
}

const fileOf = (s: VaultSecretRef): string => s.file ?? s.key;

export interface VaultSecretsProps {
  readonly slug: string;
  readonly namespace: string;
  readonly cloud: CloudProvider;
  readonly region: string;
  /** spec.bindings.vault; without it no secret can be mounted. */
  readonly vault?: Vault;
  readonly identity?: TenantBindings['identity'];
  readonly secrets: readonly VaultSecretRef[];
  readonly options: ResolvedRenderOptions;
  /**
   * Name of the SecretProviderClass / ExternalSecret (and of the Secret ESO writes).
   * @default 'tenant-vault'
   */
  readonly name?: string;
}

/** Where mounted secrets appear inside the pod: one file per vault secret. */
export const SECRETS_DIR = '/var/run/secrets/contextweaver';
const CSI_DRIVER = 'secrets-store.csi.k8s.io';

/** Vault kinds a cloud can mount; `kubernetes` works anywhere through External Secrets. */
const KINDS_BY_CLOUD: Record<CloudProvider, readonly VaultKind[]> = {
  azure: ['azure-key-vault', 'kubernetes'],
  aws: ['aws-secrets-manager', 'kubernetes'],
  gcp: ['gcp-secret-manager', 'kubernetes'],
  local: ['kubernetes'],
};

/**
 * Secrets by reference only: the tenant's vault secrets are mounted as files through the
 * Secrets Store CSI driver (Key Vault, Secrets Manager, Secret Manager) or synced by External
 * Secrets (vault kind `kubernetes`). No secret value ever appears in a manifest or an env var.
 */
export class VaultSecrets extends Construct {
  /** The pod volume carrying the secrets, or undefined when there is nothing to mount. */
  readonly volume: Volume | undefined;

  constructor(scope: Construct, id: string, props: VaultSecretsProps) {
    super(scope, id);
    const name = props.name ?? 'tenant-vault';
    if (props.secrets.length === 0) {
      this.volume = undefined;
      return;
    }
    const vault = props.vault;
    if (!vault) {
      throw new RenderIssue(
        'spec.bindings.vault',
        `is required to mount the secret "${props.secrets[0]!.key}"; bind the tenant vault first`,
      );
    }
    const allowed = KINDS_BY_CLOUD[props.cloud];
    if (!allowed.includes(vault.kind)) {
      throw new RenderIssue(
        'spec.bindings.vault.kind',
        `"${vault.kind}" cannot be mounted on ${props.cloud} (expected ${allowed.join(' or ')})`,
      );
    }
    const metadata = { name, namespace: props.namespace, labels: tenantLabels(props.slug) };
    if (vault.kind === 'kubernetes') {
      const store = props.options.externalSecretStore;
      addObject(this, 'external-secret', {
        apiVersion: props.options.capabilities.externalSecrets,
        kind: 'ExternalSecret',
        metadata,
        spec: {
          secretStoreRef: { name: store.name, kind: store.kind },
          refreshInterval: '1h',
          target: { name, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
          // The vault URI names the remote secret; each key is one property of it.
          data: props.secrets.map((s) => ({
            secretKey: fileOf(s),
            remoteRef: { key: vault.uri, property: s.key },
          })),
        },
      });
      this.volume = {
        name: 'vault',
        mountPath: SECRETS_DIR,
        source: { secret: { secretName: name, defaultMode: 0o440 } },
      };
      return;
    }
    addObject(this, 'secret-provider-class', {
      apiVersion: 'secrets-store.csi.x-k8s.io/v1',
      kind: 'SecretProviderClass',
      metadata,
      spec: providerSpec(vault, props),
    });
    this.volume = {
      name: 'vault',
      mountPath: SECRETS_DIR,
      source: {
        csi: { driver: CSI_DRIVER, readOnly: true, volumeAttributes: { secretProviderClass: name } },
      },
    };
  }
}

const yamlText = (value: unknown): string => stringify(value, { lineWidth: 0 });

function providerSpec(vault: Vault, props: VaultSecretsProps): Record<string, unknown> {
  switch (vault.kind) {
    case 'azure-key-vault': {
      const clientId = props.identity?.clientId;
      if (!clientId)
        throw new RenderIssue(
          'spec.bindings.identity.clientId',
          'is required to mount secrets from azure-key-vault',
        );
      const host = hostOf(vault.uri);
      if (!host || !host.includes('.vault.')) {
        throw new RenderIssue(
          'spec.bindings.vault.uri',
          `"${vault.uri}" is not a Key Vault URI (expected https://<name>.vault.azure.net/)`,
        );
      }
      const objects = props.secrets.map((s) =>
        yamlText({ objectName: s.key, objectType: 'secret', ...(s.file ? { objectAlias: s.file } : {}) }),
      );
      return {
        provider: 'azure',
        parameters: {
          usePodIdentity: 'false',
          clientID: clientId,
          keyvaultName: host.split('.')[0]!,
          ...(props.options.azureTenantId ? { tenantId: props.options.azureTenantId } : {}),
          objects: yamlText({ array: objects }),
        },
      };
    }
    case 'aws-secrets-manager':
      return {
        provider: 'aws',
        parameters: {
          region: props.region,
          objects: yamlText(
            props.secrets.map((s) => ({
              objectName: `${vault.uri}${s.key}`,
              objectType: 'secretsmanager',
              objectAlias: fileOf(s),
            })),
          ),
        },
      };
    case 'gcp-secret-manager':
      return {
        provider: 'gcp',
        parameters: {
          secrets: yamlText(
            props.secrets.map((s) => ({
              resourceName: `${vault.uri}${s.key}/versions/latest`,
              path: fileOf(s),
            })),
          ),
        },
      };
    default:
      throw new RenderIssue('spec.bindings.vault.kind', `"${vault.kind}" has no CSI provider`);
  }
}

function hostOf(uri: string): string | undefined {
  try {
    return new URL(uri).hostname || undefined;
  } catch {
    return undefined;
  }
}
