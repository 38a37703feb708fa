import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PLATFORM_CLOUDS,
  PlatformConfigError,
  loadPlatformConfig,
  parsePlatformConfig,
} from './platform-config.js';
import { defaultPlatformConfig } from './platform-defaults.js';

const examples = join(import.meta.dirname, '../../../../infra/platform');
const messages = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof PlatformConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  throw new Error('expected a PlatformConfigError');
};

describe('platform configuration', () => {
  it.each(PLATFORM_CLOUDS)('loads the %s example platform.yaml', (cloud) => {
    const config = loadPlatformConfig(join(examples, cloud, 'platform.yaml'));
    expect(config.cloud).toBe(cloud);
    expect(config.cluster.oidcIssuer).toMatch(/^https:\/\//);
    expect(config.state.backend).toBe({ azure: 'azurerm', aws: 's3', gcp: 'gcs' }[cloud]);
  });

  it.each(PLATFORM_CLOUDS)('has valid built-in defaults for %s, for any region of the cloud', (cloud) => {
    expect(defaultPlatformConfig(cloud).prefix).toBe('cw');
    expect(
      defaultPlatformConfig(cloud, { azure: 'eastus', aws: 'us-east-1', gcp: 'us-central1' }[cloud]).region,
    ).not.toBe(defaultPlatformConfig(cloud).region);
  });

  it('names each bad or missing field', () => {
    const base = defaultPlatformConfig('azure');
    expect(
      messages(() =>
        parsePlatformConfig({
          ...base,
          region: 'moon-1',
          prefix: 'ContextWeaver',
          state: { ...base.state, storageAccountName: 'Not_Valid' },
          azure: { ...base.azure, subscriptionId: 'abc', cosmosAccountName: undefined, extra: 1 },
        }),
      ),
    ).toEqual([
      'prefix: must be 2-6 lowercase letters or digits, starting with a letter (e.g. "cw")',
      'state.storageAccountName: must be a storage account name (3-24 lowercase letters and digits)',
      'azure.subscriptionId: must be a UUID such as 00000000-0000-0000-0000-000000000000',
      'azure.cosmosAccountName: is required',
      'azure.extra: unknown field',
      'region: "moon-1" is not a region of azure (expected one of eastus, eastus2, centralus, westus2, westus3, canadacentral, northeurope, westeurope, uksouth, francecentral, germanywestcentral, swedencentral, switzerlandnorth, australiaeast, japaneast, southeastasia)',
    ]);
  });

  it('refuses a cloud without a platform stack, and a backend of another cloud', () => {
    expect(messages(() => parsePlatformConfig({ cloud: 'local', region: 'local' }))).toEqual([
      'cloud: must be azure, aws or gcp (got "local") (a local cluster has no cloud platform stack)',
    ]);
    const aws = defaultPlatformConfig('aws');
    expect(
      messages(() => parsePlatformConfig({ ...aws, state: { backend: 'gcs', bucket: 'x-bucket' } })),
    ).toContain('state.backend: must be "s3" on aws');
  });

  it('reports unreadable files and bad YAML with the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-platform-'));
    expect(() => loadPlatformConfig(join(dir, 'missing.yaml'))).toThrow(
      /missing\.yaml: cannot read file: no such file/,
    );
    writeFileSync(join(dir, 'bad.yaml'), 'cloud: [azure\n');
    expect(() => loadPlatformConfig(join(dir, 'bad.yaml'))).toThrow(/bad\.yaml: invalid YAML/);
  });
});
