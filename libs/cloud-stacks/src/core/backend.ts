/**
 * Remote state: azurerm (blob, Entra ID auth), s3 (native lock file unless a lock table is
 * configured) or gcs. One state per tenant (`tenants/<slug>`) and one per platform, so a
 * tenant's apply never locks another's. No credentials here: terraform takes them from the
 * environment (az login / OIDC, AWS profile or role, gcloud ADC).
 */
import type { TerraformStack } from 'cdktf';
import { AzurermBackend, GcsBackend, S3Backend } from 'cdktf';
import type { PlatformConfig } from './platform-config.js';

/** `tenants/<slug>` or `platform`: the state's place within the configured prefix. */
export type StateKey = { kind: 'tenant'; slug: string } | { kind: 'platform' };

const keyPath = (key: StateKey): string => (key.kind === 'tenant' ? `tenants/${key.slug}` : 'platform');

export function addStateBackend(stack: TerraformStack, config: PlatformConfig, key: StateKey): void {
  switch (config.cloud) {
    case 'azure': {
      const s = config.state;
      new AzurermBackend(stack, {
        resourceGroupName: s.resourceGroupName,
        storageAccountName: s.storageAccountName,
        containerName: s.containerName,
        key: `${s.keyPrefix}${keyPath(key)}.tfstate`,
        subscriptionId: config.azure.subscriptionId,
        useAzureadAuth: true,
      });
      return;
    }
    case 'aws': {
      const s = config.state;
      const backend = new S3Backend(stack, {
        bucket: s.bucket,
        key: `${s.keyPrefix}${keyPath(key)}/terraform.tfstate`,
        region: s.region ?? config.region,
        encrypt: true,
        ...(s.dynamodbTable ? { dynamodbTable: s.dynamodbTable } : {}),
      });
      // S3 native locking (Terraform >= 1.10); cdktf 0.21 predates the option.
      if (!s.dynamodbTable) backend.addOverride('use_lockfile', true);
      return;
    }
    case 'gcp': {
      const s = config.state;
      new GcsBackend(stack, { bucket: s.bucket, prefix: `${s.prefix}${keyPath(key)}` });
      return;
    }
  }
}
