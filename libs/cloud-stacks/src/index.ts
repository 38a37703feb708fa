/**
 * @cw/cloud-stacks: tenant and platform stacks for Azure, AWS and GCP as Terraform JSON.
 * The only package that imports cdktf and @cdktf/provider-* (by sub-path): moving to the
 * community fork of CDKTF is a change to this package alone.
 */
export {
  synthesizeTenantStack,
  assertPlatformServes,
  type SynthOptions,
  type TenantStackResult,
} from './tenant-stack.js';
export { synthesizePlatformStack, type PlatformStackResult } from './platform-stack.js';
export {
  loadPlatformConfig,
  parsePlatformConfig,
  platformConfigSchema,
  PlatformConfigError,
  PLATFORM_CLOUDS,
  isPlatformCloud,
  type PlatformCloud,
  type PlatformConfig,
  type PlatformConfigInput,
  type AzurePlatformConfig,
  type AwsPlatformConfig,
  type GcpPlatformConfig,
} from './core/platform-config.js';
export { defaultPlatformConfig } from './core/platform-defaults.js';
export {
  bindingsFromOutputs,
  expectedBindingsFromJson,
  BindingsError,
  OUTPUTS,
  OUTPUT_BINDING_PATHS,
  VAULT_KINDS,
  type ExpectedBindings,
  type TerraformOutputs,
} from './core/bindings.js';
export {
  TENANT_SERVICE_ACCOUNTS,
  TENANT_DATA_SETS,
  TENANT_SEARCH_INDEXES,
  TAG_TENANT,
  TAG_PLAN,
  TAG_MANAGED_BY,
  MANAGED_BY,
  serviceAccountSubject,
  type TenantServiceAccount,
} from './core/tenant-context.js';
export { cloudName, shortHash, NAME_RULES, type NameRule } from './core/naming.js';
export { CloudStackError } from './core/errors.js';
export { STACK_FILE, countResources, type TerraformJson } from './core/synth.js';
