/**
 * InfraSynthesizer over libs/cloud-stacks: picks the platform configuration serving the tenant's
 * cloud and region and writes `<outDir>/cdk.tf.json`. Without a configured platform for that
 * cloud it may fall back to the built-in placeholder platform (previews and gitops review only).
 */
import { join, relative } from 'node:path';
import {
  STACK_FILE,
  bindingsFromOutputs,
  defaultPlatformConfig,
  isPlatformCloud,
  loadPlatformConfig,
  synthesizeTenantStack,
  type PlatformConfig,
  type TerraformOutputs,
} from '@cw/cloud-stacks';
import type { Tenant, TenantBindings } from '@cw/tenant-model';
import { PermanentStepError } from '../errors.js';
import type { InfraSynthesizer, SynthesizedStack, TerraformJson } from '../ports.js';

export interface CloudStacksSynthesizerOptions {
  /** Platform configurations (one per cloud and region served). */
  readonly platforms: readonly PlatformConfig[];
  /** Use the built-in placeholder platform of a cloud when none is configured. @default false */
  readonly builtInDefaults?: boolean;
}

export class CloudStacksSynthesizer implements InfraSynthesizer {
  constructor(private readonly options: CloudStacksSynthesizerOptions) {}

  /** Reads platform.yaml files (PLATFORM_CONFIG, comma-separated). */
  static load(paths: readonly string[], builtInDefaults: boolean): CloudStacksSynthesizer {
    return new CloudStacksSynthesizer({
      platforms: paths.map((p) => loadPlatformConfig(p)),
      builtInDefaults,
    });
  }

  platformFor(tenant: Tenant): PlatformConfig {
    const { provider, region } = tenant.spec.cloud;
    const configured = this.options.platforms.find((p) => p.cloud === provider && p.region === region);
    if (configured) return configured;
    if (this.options.builtInDefaults && isPlatformCloud(provider))
      return defaultPlatformConfig(provider, region);
    const served = this.options.platforms.map((p) => `${p.cloud}/${p.region}`).join(', ') || 'none';
    throw new PermanentStepError(
      `no platform configuration serves ${provider}/${region} (configured: ${served}); add its platform.yaml to PLATFORM_CONFIG`,
    );
  }

  async synthesize(tenant: Tenant, outDir: string): Promise<SynthesizedStack> {
    const result = synthesizeTenantStack(tenant, this.platformFor(tenant), { outDir });
    return {
      json: result.json as TerraformJson,
      resourceCount: result.resourceCount,
      expectedBindings: result.expectedBindings,
      files: result.files.map((f) => relative(outDir, f)),
      workingDir: outDir,
      stackFile: join(outDir, STACK_FILE),
    };
  }

  /** Loads the providers once at start, so the first tenant's step does not pay for it. */
  warmUp(): void {
    for (const platform of this.options.platforms) {
      const tenant = {
        apiVersion: 'platform.contextweaver.io/v1alpha1',
        kind: 'Tenant',
        metadata: { name: 'warm-up' },
        spec: {
          displayName: 'warm-up',
          plan: 'team',
          seats: 3,
          cloud: { provider: platform.cloud, region: platform.region },
          hostname: 'warm-up.example.com',
        },
      } as unknown as Tenant;
      try {
        synthesizeTenantStack(tenant, platform);
      } catch {
        // A platform that cannot synthesize reports it on the first real step, with the tenant's name.
      }
    }
  }
}

/** Terraform outputs → bindings, for the terraform executor. */
export const cloudStacksBindings = (tenant: Tenant, outputs: TerraformOutputs): TenantBindings => {
  const cloud = tenant.spec.cloud.provider;
  if (!isPlatformCloud(cloud)) return {};
  return bindingsFromOutputs(outputs, cloud);
};
