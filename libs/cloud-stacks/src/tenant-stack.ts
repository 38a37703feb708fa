/**
 * The provisioner's entry point: one Tenant + one platform configuration → Terraform JSON, the
 * resource count, the bindings expected after apply, and (when asked) `<outDir>/cdk.tf.json`.
 * Synchronous and in-memory; providers load once per process, so a long-lived process pays
 * only the construct-tree cost per tenant (see tools/bench/src/synth.bench.ts).
 */
import { formatIssue, validateTenant, type Tenant, type TenantBindings } from '@cw/tenant-model';
import { buildAwsTenantStack } from './aws/tenant.stack.js';
import { buildAzureTenantStack } from './azure/tenant.stack.js';
import { addStateBackend } from './core/backend.js';
import { expectedBindingsFromJson } from './core/bindings.js';
import { CloudStackError } from './core/errors.js';
import type { PlatformConfig } from './core/platform-config.js';
import {
  countResources,
  newStack,
  synthStack,
  withoutTokenStackTraces,
  writeStack,
  type TerraformJson,
} from './core/synth.js';
import { tenantContext } from './core/tenant-context.js';
import { buildGcpTenantStack } from './gcp/tenant.stack.js';

export interface SynthOptions {
  /** Also write `<outDir>/cdk.tf.json`. @default nothing is written */
  readonly outDir?: string;
}

export interface TenantStackResult {
  json: TerraformJson;
  resourceCount: number;
  /** Bindings known before apply (names are deterministic). */
  expectedBindings: TenantBindings;
  /** Binding paths only `terraform output` can tell (e.g. `identity.clientId` on Azure). */
  pendingBindings: string[];
  /** Files written (empty without outDir). */
  files: string[];
}

/** Refuses, with the fix in the message, a tenant this platform cannot host. */
export function assertPlatformServes(tenant: Tenant, platform: PlatformConfig): void {
  const { provider, region } = tenant.spec.cloud;
  const slug = tenant.metadata.name;
  if (provider === 'local') {
    throw new CloudStackError(
      `tenant "${slug}" runs on a local cluster (spec.cloud.provider: local): it has no cloud stack to synthesize; ` +
        'the local platform provides its vault, database and search',
    );
  }
  if (provider !== platform.cloud) {
    throw new CloudStackError(
      `tenant "${slug}" runs on ${provider} but the platform configuration is for ${platform.cloud}: pass a ${provider} platform.yaml`,
    );
  }
  if (region !== platform.region) {
    throw new CloudStackError(
      `tenant "${slug}" is in ${provider} region ${region} but the platform serves ${platform.region}: use the platform.yaml of ${region}, or move the tenant to ${platform.region}`,
    );
  }
}

export function synthesizeTenantStack(
  tenant: Tenant,
  platform: PlatformConfig,
  opts: SynthOptions = {},
): TenantStackResult {
  // Callers normally pass a parsed Tenant; re-validating is cheap and keeps a hand-built object honest.
  const checked = validateTenant(tenant);
  if (!checked.ok)
    throw new CloudStackError(`tenant is invalid: ${checked.issues.map(formatIssue).join('; ')}`);
  const valid = checked.value;
  assertPlatformServes(valid, platform);
  const issuer = platform.cluster.oidcIssuer;
  if (!issuer) {
    throw new CloudStackError(
      'platform configuration has no cluster.oidcIssuer: set it to the oidc_issuer_url output of the platform stack',
    );
  }
  const context = tenantContext(valid, platform.tags);
  const json = withoutTokenStackTraces(() => {
    const stack = newStack(`tenant-${context.slug}`);
    addStateBackend(stack, platform, { kind: 'tenant', slug: context.slug });
    if (platform.cloud === 'azure') buildAzureTenantStack(stack, context, platform, issuer);
    else if (platform.cloud === 'aws') buildAwsTenantStack(stack, context, platform, issuer);
    else buildGcpTenantStack(stack, context, platform);
    return synthStack(stack);
  });
  const expected = expectedBindingsFromJson(json, platform.cloud);
  return {
    json,
    resourceCount: countResources(json),
    expectedBindings: expected.bindings,
    pendingBindings: expected.pending,
    files: opts.outDir ? writeStack(json, opts.outDir) : [],
  };
}
