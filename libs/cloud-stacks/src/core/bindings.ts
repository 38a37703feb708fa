/**
 * Tenant stack outputs ⇄ Tenant `spec.bindings`. Every tenant stack declares the same output
 * names; `bindingsFromOutputs` maps `terraform output -json` after apply, and
 * `expectedBindingsFromJson` maps the outputs whose values are already literal in the
 * synthesized JSON (names are deterministic) so the gitops executor can render the Tenant
 * before anything is applied. Outputs carry names and endpoints, never secrets.
 */
import { bindingsSchema, type TenantBindings } from '@cw/tenant-model';
import type { PlatformCloud } from './platform-config.js';
import type { TerraformJson } from './synth.js';

export const OUTPUTS = {
  vaultUri: 'vault_uri',
  databaseEndpoint: 'database_endpoint',
  databaseName: 'database_name',
  searchEndpoint: 'search_endpoint',
  searchIndex: 'search_index',
  llmEndpoint: 'llm_endpoint',
  llmDeployment: 'llm_deployment',
  identityClientId: 'identity_client_id',
  identityRoleArn: 'identity_role_arn',
  identityServiceAccountEmail: 'identity_service_account_email',
} as const;
export type OutputName = (typeof OUTPUTS)[keyof typeof OUTPUTS];

/** Where each output lands in spec.bindings (dotted path). */
export const OUTPUT_BINDING_PATHS: Readonly<Record<OutputName, string>> = {
  vault_uri: 'vault.uri',
  database_endpoint: 'database.endpoint',
  database_name: 'database.name',
  search_endpoint: 'search.endpoint',
  search_index: 'search.index',
  llm_endpoint: 'llm.endpoint',
  llm_deployment: 'llm.deployment',
  identity_client_id: 'identity.clientId',
  identity_role_arn: 'identity.roleArn',
  identity_service_account_email: 'identity.serviceAccountEmail',
};

export const VAULT_KINDS = {
  azure: 'azure-key-vault',
  aws: 'aws-secrets-manager',
  gcp: 'gcp-secret-manager',
} as const satisfies Record<PlatformCloud, NonNullable<TenantBindings['vault']>['kind']>;

/** `terraform output -json`: `{ name: { value, type, sensitive } }`. */
export type TerraformOutputs = Readonly<
  Record<string, { value: unknown; type?: unknown; sensitive?: boolean }>
>;

export class BindingsError extends Error {
  override name = 'BindingsError';
}

/** Maps `terraform output -json` of a tenant stack to the Tenant's spec.bindings. */
export function bindingsFromOutputs(outputs: TerraformOutputs, cloud: PlatformCloud): TenantBindings {
  const values: Partial<Record<OutputName, string>> = {};
  for (const name of Object.values(OUTPUTS)) {
    const output = outputs[name];
    if (output === undefined) continue;
    if (output.sensitive)
      throw new BindingsError(
        `output "${name}" is marked sensitive: bindings carry names and endpoints, never secrets`,
      );
    if (typeof output.value !== 'string')
      throw new BindingsError(`output "${name}" must be a string (got ${typeof output.value})`);
    values[name] = output.value;
  }
  return toBindings(values, cloud);
}

export interface ExpectedBindings {
  /** What is known from the configuration alone. */
  bindings: TenantBindings;
  /** Binding paths known only after apply (e.g. `identity.clientId`: Azure assigns it). */
  pending: string[];
}

/** The bindings a synthesized tenant stack will produce, from its literal output values. */
export function expectedBindingsFromJson(json: TerraformJson, cloud: PlatformCloud): ExpectedBindings {
  const values: Partial<Record<OutputName, string>> = {};
  const pending: string[] = [];
  for (const name of Object.values(OUTPUTS)) {
    const value = json.output?.[name]?.value;
    if (value === undefined) continue;
    if (typeof value === 'string' && !value.includes('${')) values[name] = value;
    else pending.push(OUTPUT_BINDING_PATHS[name]);
  }
  return { bindings: toBindings(values, cloud), pending };
}

function toBindings(v: Partial<Record<OutputName, string>>, cloud: PlatformCloud): TenantBindings {
  const identity =
    cloud === 'azure'
      ? v.identity_client_id && { clientId: v.identity_client_id }
      : cloud === 'aws'
        ? v.identity_role_arn && { roleArn: v.identity_role_arn }
        : v.identity_service_account_email && { serviceAccountEmail: v.identity_service_account_email };
  const bindings = {
    ...(v.vault_uri && { vault: { uri: v.vault_uri, kind: VAULT_KINDS[cloud] } }),
    ...(v.database_endpoint &&
      v.database_name && { database: { endpoint: v.database_endpoint, name: v.database_name } }),
    ...(v.search_endpoint &&
      v.search_index && { search: { endpoint: v.search_endpoint, index: v.search_index } }),
    ...(v.llm_endpoint && {
      llm: { endpoint: v.llm_endpoint, ...(v.llm_deployment && { deployment: v.llm_deployment }) },
    }),
    ...(identity && { identity }),
  };
  const parsed = bindingsSchema.safeParse(bindings);
  if (!parsed.success) {
    throw new BindingsError(
      `outputs do not form valid bindings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
