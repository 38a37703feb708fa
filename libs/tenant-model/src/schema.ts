/**
 * The Tenant resource schema: the one source of truth. The CRD's openAPIV3Schema is generated
 * from these zod schemas (see crd.ts), and `validateTenant` applies them plus the rules a
 * structural schema cannot express (region per cloud, isolation and seats per plan).
 * Every field carries a description: it becomes `kubectl explain` text.
 */
import { z } from 'zod';
import {
  ENGINE_NAME_PATTERN,
  HOSTNAME_MAX,
  HOSTNAME_PATTERN,
  IMAGE_PATTERN,
  PLUGIN_PATTERN,
  QUANTITY_PATTERN,
  SLUG_MAX,
  SLUG_MIN,
  SLUG_PATTERN,
} from './names.js';
import { ISOLATION_MODELS, PLAN_NAMES } from './plans.js';
import { CLOUD_PROVIDERS } from './regions.js';
import { TENANT_API_VERSION, TENANT_KIND } from './constants.js';
import {
  emailPluginConfigSchema,
  githubPluginConfigSchema,
  paymentsPluginConfigSchema,
  proxyUpstreamConfigSchema,
  secretLookingValues,
  travelPluginConfigSchema,
} from './workloads/plugin-config.js';

const re = (pattern: string) => new RegExp(pattern);
const text = (max: number) => z.string().min(1).max(max);
const quantity = (what: string) =>
  z
    .string()
    .regex(re(QUANTITY_PATTERN), { message: `must be a Kubernetes quantity such as "4" or "8Gi"` })
    .describe(what);

export const cloudSchema = z
  .strictObject({
    provider: z
      .enum(CLOUD_PROVIDERS)
      .describe('Cloud the tenant runs on: azure, aws, gcp, or local (a cluster without a cloud).'),
    region: z
      .string()
      .min(1)
      .max(40)
      .regex(/^[a-z][a-z0-9-]*[0-9a-z]$/, {
        message: 'must be a region name such as "westeurope" or "eu-west-1"',
      })
      .describe(
        'Region of that cloud, e.g. westeurope (azure), eu-west-1 (aws), europe-west1 (gcp), local (local).',
      ),
  })
  .describe('Where the tenant runs. Changing the cloud of an existing tenant is a migration, not an edit.');

export const identitySchema = z
  .strictObject({
    issuer: z
      .url({ protocol: /^https$/, message: 'must be an https URL of an OpenID Connect issuer' })
      .max(2048)
      .describe(
        'OpenID Connect issuer URL of the customer identity provider (discovery at <issuer>/.well-known/openid-configuration).',
      ),
    clientId: text(255).describe('OAuth client id registered for cerebro at the identity provider.'),
    clientSecretRef: z
      .strictObject({
        key: text(127)
          .regex(/^[A-Za-z0-9][-A-Za-z0-9_.]*$/, {
            message: 'must be a vault secret name (letters, digits, - _ .)',
          })
          .describe(
            'Name of the secret in the tenant vault (spec.bindings.vault) holding the client secret.',
          ),
      })
      .optional()
      .describe(
        'Where the client secret lives: a key in the tenant vault. The secret itself never appears in the Tenant.',
      ),
    allowedTenantIds: z
      .array(text(128))
      .max(50)
      .default([])
      .describe(
        'Identity-tenant ids (the tid claim) allowed to sign in; empty allows any tenant of the issuer.',
      ),
    groupsClaim: text(128).default('groups').describe('Token claim holding group memberships.'),
    rolesClaim: text(128).default('roles').describe('Token claim holding application roles.'),
  })
  .describe(
    "The customer's own identity provider for cerebro sign-in. Absent: sign-in by e-mail magic link.",
  );

const ref = (what: string) => text(2048).describe(what);
export const bindingsSchema = z
  .strictObject({
    vault: z
      .strictObject({
        uri: ref(
          'Vault address: Key Vault URI, Secrets Manager path prefix, or Secret Manager project/prefix.',
        ),
        kind: z
          .enum(['azure-key-vault', 'aws-secrets-manager', 'gcp-secret-manager', 'kubernetes'])
          .describe(
            'Vault implementation; decides how secrets are mounted (CSI SecretProviderClass or ExternalSecret).',
          ),
        signingKeys: z
          .array(z.string().regex(/^engine-signing-\d{4}$/, { message: 'must be engine-signing-NNNN' }))
          .min(1)
          .max(4)
          .refine((keys) => new Set(keys).size === keys.length, { message: 'must not repeat a key' })
          .optional()
          .describe(
            "Names of cerebro's engine signing keys in the vault, all mounted (the last by name signs); kept by the provisioner's key rotation. Absent: engine-signing-0001, the key the provisioner seeds.",
          ),
      })
      .optional()
      .describe('Tenant vault. Secrets are referenced by name, never copied into the Tenant.'),
    database: z
      .strictObject({
        endpoint: ref(
          'Database endpoint (Cosmos DB account URI, DynamoDB endpoint, Firestore project, or a Postgres host).',
        ),
        name: ref('Database, table or collection prefix of the tenant.'),
      })
      .optional()
      .describe('Tenant database.'),
    search: z
      .strictObject({
        endpoint: ref('Search endpoint (AI Search service, OpenSearch collection, Vertex AI Search).'),
        index: ref('Index name or index prefix of the tenant.'),
      })
      .optional()
      .describe('Tenant search index.'),
    llm: z
      .strictObject({
        endpoint: ref('LLM endpoint (Azure OpenAI, Bedrock, Vertex AI).'),
        deployment: text(255).optional().describe('Model deployment or model id.'),
      })
      .optional()
      .describe('Large-language-model endpoint the tenant uses.'),
    identity: z
      .strictObject({
        clientId: text(255)
          .optional()
          .describe('Azure user-assigned managed identity client id (workload identity).'),
        roleArn: text(2048).optional().describe('AWS IAM role ARN assumed through IRSA.'),
        serviceAccountEmail: text(255)
          .optional()
          .describe('GCP service account e-mail bound through Workload Identity.'),
      })
      .optional()
      .describe("Tenant cloud workload identity. Exactly the field of the tenant's cloud is used."),
  })
  .describe(
    'Outputs of the tenant cloud stack (names and endpoints, never secrets). Filled by the provisioner.',
  );

export const cerebroSchema = z
  .strictObject({
    replicas: z
      .int()
      .min(0)
      .max(20)
      .optional()
      .describe("Cerebro replicas. Default: the plan's replica count."),
    image: z
      .string()
      .max(512)
      .regex(re(IMAGE_PATTERN), {
        message: 'must be an image reference such as "registry.example.com/cerebro:1.2.3"',
      })
      .optional()
      .describe('Cerebro container image. Default: the platform release image.'),
  })
  .describe('Cerebro, the tenant application (AI hub, designer, agent).');

export const engineSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(30)
      .regex(re(ENGINE_NAME_PATTERN), {
        message: 'must be a lowercase DNS label of at most 30 characters starting with a letter',
      })
      .describe('Engine name, unique within the tenant; the Deployment is named engine-<name>.'),
    plugins: z
      .array(
        z.string().max(200).regex(re(PLUGIN_PATTERN), {
          message: 'must be a plugin id such as "github" or "acme/jira@1.2.0"',
        }),
      )
      .max(100)
      .default([])
      .describe('MCP plugins this engine loads.'),
    readOnly: z.boolean().default(false).describe('Refuse every tool call that writes.'),
    maintenance: z
      .boolean()
      .default(false)
      .describe('Maintenance mode: the engine answers but refuses tool calls.'),
    auditLog: z.boolean().default(true).describe('Record every tool call in the audit log.'),
    replicas: z.int().min(0).max(20).default(1).describe('Engine replicas.'),
    image: z
      .string()
      .max(512)
      .regex(re(IMAGE_PATTERN), {
        message: 'must be an image reference such as "registry.example.com/mcp-engine:1.2.3"',
      })
      .optional()
      .describe('Engine container image. Default: the platform release image.'),
    pluginConfig: z
      .preprocess(
        (raw, ctx) => {
          // Secrets never go into the Tenant: refuse what looks like one before the typed check
          // (which would only call an unknown "password" key unknown).
          for (const finding of secretLookingValues(raw))
            ctx.issues.push({ code: 'custom', message: finding.message, input: raw, path: finding.path });
          return raw;
        },
        z
          .strictObject({
            payments: paymentsPluginConfigSchema.optional(),
            email: emailPluginConfigSchema.optional(),
            github: githubPluginConfigSchema.optional(),
            travel: travelPluginConfigSchema.optional(),
            proxy: proxyUpstreamConfigSchema.optional(),
          })
          .describe(
            "Non-secret configuration per plugin id (only ids listed in this engine's plugins), rendered into the engine config and hot-reloaded. Credentials are named, never given: their values live in the vault.",
          ),
      )
      .optional(),
  })
  .superRefine((engine, ctx) => {
    // The proxy has no tools of its own: without its upstream it could only ever be unavailable.
    if (engine.plugins.includes('proxy') && !engine.pluginConfig?.proxy)
      ctx.addIssue({
        code: 'custom',
        path: ['pluginConfig', 'proxy'],
        message:
          'is required when the engine loads the proxy plugin (the upstream MCP server: url, auth.credential, rules)',
        input: engine.pluginConfig,
      });
    for (const id of Object.keys(engine.pluginConfig ?? {}))
      if (!engine.plugins.includes(id))
        ctx.addIssue({
          code: 'custom',
          path: ['pluginConfig', id],
          message: `configures plugin "${id}", which is not in this engine's plugins`,
          input: id,
        });
  })
  .describe('One MCP engine (tool server): dashboard on port 5000, MCP on port 5001.');

export const quotaSchema = z
  .strictObject({
    cpu: quantity('CPU limit of the namespace, overriding the plan.').optional(),
    memory: quantity('Memory limit of the namespace, overriding the plan.').optional(),
    pods: z.int().min(1).max(5000).optional().describe('Pod limit of the namespace, overriding the plan.'),
    engines: z.int().min(0).max(100).optional().describe('Engine limit, overriding the plan.'),
  })
  .describe('Overrides of the plan quota, for contracts that differ from the catalog.');

export const routingSchema = z
  .strictObject({
    mode: z
      .enum(['gateway', 'ingress'])
      .default('gateway')
      .describe(
        "gateway: a Gateway API HTTPRoute attached to the platform gateway; ingress: a networking.k8s.io Ingress. Unset: the operator's ROUTING_DEFAULT_MODE (gateway unless configured).",
      ),
  })
  .describe('How the tenant hostname is routed to cerebro.');

export const tenantSpecSchema = z
  .strictObject({
    displayName: text(100).describe('Organisation name as shown to people.'),
    plan: z
      .enum(PLAN_NAMES)
      .describe('Plan: starter, team or enterprise. Decides seats range, quotas and isolation choices.'),
    seats: z.int().min(1).max(10000).describe('Licensed seats; must lie within the plan range.'),
    suspended: z
      .boolean()
      .default(false)
      .describe('Suspended tenants keep their data but run no pods (replicas 0).'),
    cloud: cloudSchema,
    isolation: z
      .enum(ISOLATION_MODELS)
      .default('shared')
      .describe(
        'shared: tenant-prefixed slices of platform resources (1:N); dedicated: own resources and node pool (1:1).',
      ),
    hostname: z
      .string()
      .min(3)
      .max(HOSTNAME_MAX)
      .regex(re(HOSTNAME_PATTERN), {
        message: 'must be a lowercase DNS name such as "acme.contextweaver.app"',
      })
      .describe('Public hostname of the tenant, e.g. acme.contextweaver.app.'),
    identity: identitySchema.optional(),
    bindings: bindingsSchema.default({}),
    cerebro: cerebroSchema.default({}),
    engines: z
      .array(engineSchema)
      .max(100)
      .default([])
      .describe('MCP engines of the tenant; the count is limited by the plan.'),
    quota: quotaSchema.optional(),
    routing: routingSchema.default({ mode: 'gateway' }),
  })
  .describe('Desired state of a tenant.');

export const conditionSchema = z
  .object({
    type: z.string().describe('Condition type: Ready, Progressing or Degraded.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
    reason: z.string().describe('One CamelCase word saying why.'),
    message: z.string().describe('What happened, in words.'),
    lastTransitionTime: z.string().describe('When status last changed (RFC 3339).'),
    observedGeneration: z.int().optional().describe('Generation the condition was computed for.'),
  })
  .describe('A status condition (Kubernetes convention).');

export const TENANT_PHASES = [
  'Pending',
  'Provisioning',
  'Ready',
  'Degraded',
  'Suspended',
  'Terminating',
] as const;
export type TenantPhase = (typeof TENANT_PHASES)[number];

export const workloadStatusSchema = z
  .object({
    name: z.string().describe('Deployment name.'),
    kind: z.enum(['cerebro', 'engine']).describe('Which workload.'),
    replicas: z.int().describe('Desired replicas.'),
    readyReplicas: z.int().describe('Ready replicas.'),
    ready: z.boolean().describe('All desired replicas ready (true for zero replicas).'),
  })
  .describe('Readiness of one workload.');

export const tenantStatusSchema = z
  .object({
    observedGeneration: z.int().optional().describe('metadata.generation the status was computed for.'),
    phase: z
      .enum(TENANT_PHASES)
      .optional()
      .describe('Pending, Provisioning, Ready, Degraded, Suspended or Terminating.'),
    conditions: z.array(conditionSchema).optional().describe('Ready, Progressing and Degraded conditions.'),
    namespace: z.string().optional().describe('Namespace of the tenant workloads.'),
    url: z.string().optional().describe('URL of the tenant.'),
    workloads: z.array(workloadStatusSchema).optional().describe('Per-workload readiness.'),
  })
  .describe('Observed state of a tenant, written by the tenant operator.');

export const tenantMetadataSchema = z
  .object({
    name: z
      .string()
      .min(SLUG_MIN)
      .max(SLUG_MAX)
      .regex(re(SLUG_PATTERN), { message: 'must be a DNS-1123 label (lowercase letters, digits, hyphens)' })
      .describe('Tenant slug.'),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();

export const tenantSchema = z.object({
  apiVersion: z.literal(TENANT_API_VERSION),
  kind: z.literal(TENANT_KIND),
  metadata: tenantMetadataSchema,
  spec: tenantSpecSchema,
  status: tenantStatusSchema.optional(),
});

/** Spec as written by people (defaults optional). */
export type TenantSpecInput = z.input<typeof tenantSpecSchema>;
/** Spec with defaults applied. */
export type TenantSpec = z.output<typeof tenantSpecSchema>;
export type TenantStatus = z.output<typeof tenantStatusSchema>;
export type TenantCondition = z.output<typeof conditionSchema>;
export type WorkloadStatus = z.output<typeof workloadStatusSchema>;
export type EngineSpec = z.output<typeof engineSchema>;
export type TenantBindings = z.output<typeof bindingsSchema>;
export type TenantIdentity = z.output<typeof identitySchema>;

export interface TenantMetadata {
  name: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  [key: string]: unknown;
}

/** A Tenant object with defaults applied. */
export interface Tenant {
  apiVersion: typeof TENANT_API_VERSION;
  kind: typeof TENANT_KIND;
  metadata: TenantMetadata;
  spec: TenantSpec;
  status?: TenantStatus;
}
