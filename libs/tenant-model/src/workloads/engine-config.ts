/**
 * The MCP engine config file: what the operator mounts at CW_CONFIG_FILE (config.json of the
 * engine ConfigMap) and the one thing the engine parses at boot and on every change of the file.
 * libs/k8s-charts renders exactly this type and apps/mcp-engine validates with this schema, so
 * the two cannot drift. Names, endpoints and file paths only: no field carries a secret.
 */
import { z } from 'zod';
import { storeAdapterConfigSchema } from './store-adapter.js';
import { vaultAdapterConfigSchema } from './vault-adapter.js';

const text = (max: number) => z.string().min(1).max(max);
const filePath = (what: string) =>
  text(1024).regex(/^\//, { message: 'must be an absolute file path' }).describe(what);
const port = z.int().min(0).max(65_535);

/**
 * The plugins an engine can load (libs/plugins/<id>). A plugin id outside this list is refused
 * when the config is parsed (and so by `cw render`), never silently ignored by a running engine.
 */
export const KNOWN_PLUGINS = ['payments', 'email', 'github', 'travel', 'proxy'] as const;
export type KnownPlugin = (typeof KNOWN_PLUGINS)[number];
export const isKnownPlugin = (id: string): id is KnownPlugin =>
  (KNOWN_PLUGINS as readonly string[]).includes(id);

const pluginId = z.string().refine(isKnownPlugin, {
  message: `must be one of the available plugins: ${KNOWN_PLUGINS.join(', ')}`,
});

/** Fields the engine applies from a changed file without a restart. */
export const ENGINE_HOT_FIELDS = ['plugins', 'pluginConfig', 'readOnly', 'maintenance', 'auditLog'] as const;

export const engineConfigSchema = z
  .strictObject({
    tenant: text(63).describe('Tenant slug; tokens must carry it in their `tenant` claim.'),
    engine: text(30).describe('Engine name (spec.engines[].name).'),
    plugins: z
      .array(pluginId)
      .max(100)
      .refine((ids) => new Set(ids).size === ids.length, { message: 'lists a plugin twice' })
      .describe('Plugins enabled on this engine; hot-reloaded.'),
    pluginConfig: z
      .partialRecord(z.enum(KNOWN_PLUGINS), z.record(z.string().max(64), z.unknown()))
      .default({})
      .describe('Non-secret configuration per plugin (e.g. an API base URL); hot-reloaded.'),
    readOnly: z.boolean().describe('Refuse every tool classified write or destructive; hot-reloaded.'),
    maintenance: z.boolean().describe('Refuse every tool call; hot-reloaded.'),
    auditLog: z.boolean().describe('Audit every call (false: only refusals); hot-reloaded.'),
    ports: z.strictObject({ dashboard: port, mcp: port }),
    listenHost: text(64).default('0.0.0.0').describe('Address both servers bind.'),
    auth: z
      .strictObject({
        issuer: z.url().max(2048).describe("Cerebro's issuer URL (`iss` of engine tokens)."),
        jwksUrl: z.url().max(2048).describe("Cerebro's JWKS (signing keys of engine tokens)."),
        resource: z
          .url()
          .max(2048)
          .describe("This engine's MCP URL: the `aud` tokens must carry (RFC 8707/9728)."),
      })
      .describe('OAuth 2.1 resource-server settings.'),
    store: storeAdapterConfigSchema,
    vault: vaultAdapterConfigSchema,
    saltFile: filePath('Mounted secret: the tenant salt of hashed user ids in audit rows.'),
    allowedHosts: z
      .array(text(253))
      .min(1)
      .max(20)
      .describe('Host names the MCP port answers to (DNS-rebinding protection).'),
    outbound: z
      .strictObject({
        allowHosts: z
          .array(text(260))
          .max(50)
          .default([])
          .describe('"host:port" exceptions to the outbound guard (tests on 127.0.0.1 only).'),
      })
      .default({ allowHosts: [] }),
    calls: z
      .strictObject({
        timeoutMs: z.int().min(100).max(300_000).default(30_000),
        maxRequestBytes: z.int().min(1024).max(16_777_216).default(1_048_576),
        maxResultBytes: z.int().min(1024).max(16_777_216).default(1_048_576),
        approvalTtlSeconds: z.int().min(60).max(604_800).default(86_400),
      })
      .default({
        timeoutMs: 30_000,
        maxRequestBytes: 1_048_576,
        maxResultBytes: 1_048_576,
        approvalTtlSeconds: 86_400,
      })
      .describe('Per-call limits: run timeout, request and result size, approval lifetime.'),
  })
  .describe('The MCP engine config file (config.json), rendered by the operator.');

export type EngineConfig = z.output<typeof engineConfigSchema>;
export type EngineConfigInput = z.input<typeof engineConfigSchema>;

export class EngineConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`Invalid engine config: ${issues.join('; ')}`);
    this.name = 'EngineConfigError';
  }
}

/** Parses a config document; the error names each bad field by path and never echoes a value. */
export function parseEngineConfig(input: unknown): EngineConfig {
  const result = engineConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new EngineConfigError(
    result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
  );
}
