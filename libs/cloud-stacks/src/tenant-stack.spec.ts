import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTenant, typesOf } from '../test/fixtures.js';
import { CloudStackError } from './core/errors.js';
import { defaultPlatformConfig } from './core/platform-defaults.js';
import { parsePlatformConfig } from './core/platform-config.js';
import { synthesizeTenantStack } from './tenant-stack.js';

describe('synthesizeTenantStack', () => {
  it('refuses a local tenant plainly: it has no cloud stack', () => {
    expect(() =>
      synthesizeTenantStack(makeTenant({ cloud: 'local' }), defaultPlatformConfig('azure')),
    ).toThrow(
      'tenant "acme" runs on a local cluster (spec.cloud.provider: local): it has no cloud stack to synthesize',
    );
  });

  it('refuses a tenant of another cloud or of a region the platform does not serve', () => {
    expect(() => synthesizeTenantStack(makeTenant({ cloud: 'aws' }), defaultPlatformConfig('gcp'))).toThrow(
      'tenant "acme" runs on aws but the platform configuration is for gcp: pass a aws platform.yaml',
    );
    expect(() =>
      synthesizeTenantStack(makeTenant({ cloud: 'azure', region: 'eastus' }), defaultPlatformConfig('azure')),
    ).toThrow('tenant "acme" is in azure region eastus but the platform serves westeurope');
  });

  it('refuses an invalid tenant and a platform without the cluster issuer', () => {
    const tenant = makeTenant({ cloud: 'aws' });
    expect(() =>
      synthesizeTenantStack({ ...tenant, spec: { ...tenant.spec, seats: 0 } }, defaultPlatformConfig('aws')),
    ).toThrow(/tenant is invalid: spec.seats/);
    const noIssuer = parsePlatformConfig({ ...defaultPlatformConfig('aws'), cluster: { nodeCount: 3 } });
    expect(() => synthesizeTenantStack(tenant, noIssuer)).toThrow(CloudStackError);
    expect(() => synthesizeTenantStack(tenant, noIssuer)).toThrow(/cluster.oidcIssuer/);
  });

  it('writes cdk.tf.json when asked, with the per-tenant remote state', () => {
    const outDir = join(mkdtempSync(join(tmpdir(), 'cw-synth-')), 'acme');
    const result = synthesizeTenantStack(makeTenant({ cloud: 'gcp' }), defaultPlatformConfig('gcp'), {
      outDir,
    });
    expect(result.files).toEqual([join(outDir, 'cdk.tf.json')]);
    const written = JSON.parse(readFileSync(result.files[0]!, 'utf8'));
    expect(written).toEqual(JSON.parse(JSON.stringify(result.json)));
    expect(written.terraform.backend).toEqual({
      gcs: { bucket: 'cw-platform-tfstate', prefix: 'tenants/acme' },
    });
    expect(synthesizeTenantStack(makeTenant({ cloud: 'gcp' }), defaultPlatformConfig('gcp')).files).toEqual(
      [],
    );
    expect(existsSync(join(tmpdir(), 'manifest.json'))).toBe(false);
  });

  it('is deterministic: the same tenant gives the same JSON', () => {
    const a = synthesizeTenantStack(makeTenant({ cloud: 'azure' }), defaultPlatformConfig('azure'));
    const b = synthesizeTenantStack(makeTenant({ cloud: 'azure' }), defaultPlatformConfig('azure'));
    expect(JSON.stringify(a.json)).toBe(JSON.stringify(b.json));
  });

  it('gives each cloud and isolation its resource types (defaults snapshot)', () => {
    const summary = Object.fromEntries(
      (['azure', 'aws', 'gcp'] as const).flatMap((cloud) =>
        (['shared', 'dedicated'] as const).map((isolation) => {
          const result = synthesizeTenantStack(
            makeTenant({ cloud, isolation, secretKey: 'oidc-client-secret' }),
            defaultPlatformConfig(cloud),
          );
          return [
            `${cloud}/${isolation}`,
            { resources: result.resourceCount, types: typesOf(result.json), pending: result.pendingBindings },
          ];
        }),
      ),
    );
    expect(summary).toMatchSnapshot();
  });
});
