/**
 * A rendered tenant's cerebro and engine configs, changed only where a laptop differs from the
 * tenant's namespace: in-cluster addresses become 127.0.0.1 ports, the paths the Deployment
 * mounts (emptyDirs, the vault CSI secrets) become folders under .data/data-plane/<slug>/, and
 * what the cloud would provide is replaced by a local stand-in:
 *   store  → the control plane's PostgreSQL (schema tenant_<slug>) when DATABASE_URL is set, else
 *            one PGlite per process (PGlite is one process's database: then the engine does not
 *            see the credentials cerebro stores — the console says so);
 *   vault  → the local backend with a master key generated once into secrets/ (a cloud vault —
 *            Key Vault, Secrets Manager, Secret Manager, HashiCorp — is replaced by it too);
 *   LLM    → an OpenAI-compatible endpoint when LLM_BASE_URL is set, else none (the hub's banner);
 *   search → a cloud search service becomes pgvector on a PGlite in cerebro's folder;
 *   TLS    → none: the workspace is http://<slug>.localtest.me:<router port> (insecure cookies).
 * Everything else (plugins, switches, identity mode, allowlists) is the rendered value.
 */
import type { RenderedWorkload } from './rendered-workloads.js';

export interface LocalPorts {
  readonly cerebro: number;
  readonly engines: Readonly<Record<string, { dashboard: number; mcp: number }>>;
}

export interface LocalizeInput {
  readonly slug: string;
  readonly workloads: readonly RenderedWorkload[];
  /** .data/data-plane/<slug> */
  readonly dir: string;
  readonly ports: LocalPorts;
  /** The workspace's public URL (the local router). */
  readonly publicUrl: string;
  /** @default 'tenant_' */
  readonly storeSchemaPrefix?: string;
  /** The tenant vault's `cerebro-first-managers` (the customer admin from sign-up), when mounted. */
  readonly firstManagers?: readonly string[];
  readonly env: {
    DATABASE_URL?: string | undefined;
    LLM_BASE_URL?: string | undefined;
    LLM_MODEL?: string | undefined;
    LLM_API_KEY?: string | undefined;
    /** npm start's local Stripe stand-in: the payments plugin calls it instead of api.stripe.com. */
    STRIPE_API_BASE?: string | undefined;
    /** Comma-separated e-mails that are the workspace's managers from the start (the customer admin). */
    CW_WORKSPACE_MANAGERS?: string | undefined;
  };
}

export interface LocalWorkload {
  readonly workload: RenderedWorkload;
  readonly config: Record<string, unknown>;
  readonly env: Record<string, string>;
  /** Files to write before start: path → content (mode 0600). */
  readonly secrets: Readonly<Record<string, string>>;
  /** Directories that must exist (the emptyDirs, the store). */
  readonly dirs: readonly string[];
  /** URLs of the Deployment's probes, here. */
  readonly probeUrls: readonly string[];
}

const SECRETS = '/var/run/secrets/contextweaver';
const DATA = '/var/lib/contextweaver';
const engineName = (w: RenderedWorkload) => String(w.config.engine ?? w.env.CW_ENGINE ?? 'main');

export function localize(input: LocalizeInput): { workloads: LocalWorkload[]; sharedStore: boolean } {
  const { dir, ports, slug } = input;
  const secretsDir = `${dir}/secrets`;
  const mapPath = (value: string, own: string) =>
    value === SECRETS || value.startsWith(`${SECRETS}/`)
      ? `${secretsDir}${value.slice(SECRETS.length)}`
      : value === DATA || value.startsWith(`${DATA}/`)
        ? `${own}${value.slice(DATA.length)}`
        : value;
  const deepMap = (value: unknown, own: string): unknown =>
    typeof value === 'string'
      ? mapPath(value, own)
      : Array.isArray(value)
        ? value.map((v) => deepMap(v, own))
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepMap(v, own)]))
          : value;
  const sharedStore = Boolean(input.env.DATABASE_URL);
  const storeFor = (own: string) =>
    sharedStore
      ? {
          kind: 'postgres',
          urlFile: `${secretsDir}/database-url`,
          schema: `${input.storeSchemaPrefix ?? 'tenant_'}${slug.replaceAll('-', '_')}`,
        }
      : { kind: 'pglite', dataDir: `${own}/store` };
  const cerebroUrl = `http://127.0.0.1:${ports.cerebro}`;
  const secrets: Record<string, string> = {
    ...(sharedStore ? { [`${secretsDir}/database-url`]: input.env.DATABASE_URL! } : {}),
    ...(input.env.LLM_API_KEY ? { [`${secretsDir}/llm-api-key`]: input.env.LLM_API_KEY } : {}),
  };

  const workloads = input.workloads.map((w): LocalWorkload => {
    const own = `${dir}/${w.deployment}`;
    const config = deepMap(w.config, own) as Record<string, unknown>;
    config.store = storeFor(own);
    const vault = config.vault as { kind?: string } | undefined;
    if (vault && vault.kind !== 'local' && vault.kind !== 'memory')
      config.vault = { kind: 'local', masterKeyFile: `${secretsDir}/vault-master-key` };
    const env: Record<string, string> = {
      ...w.env,
      CW_CONFIG_FILE: `${own}/config.json`,
      CW_SECRETS_DIR: secretsDir,
      CW_HOST: '127.0.0.1',
      POD_NAME: `${w.deployment}-local`,
      TMPDIR: `${own}/tmp`,
    };
    let probePort: (p: number) => number;
    if (w.app === 'cerebro') {
      config.url = input.publicUrl;
      config.hostname = new URL(input.publicUrl).hostname;
      config.session = { ...(config.session as object), insecureCookies: true };
      // The runner always mounts engine-signing-*.pem (from the tenant vault, or generated): cerebro
      // signs with them, so engine tokens survive a restart (a rendered local tenant names no keys dir).
      config.engineTokens = { ...(config.engineTokens as object), signingKeysDir: secretsDir };
      // The customer admin comes from the tenant vault (cerebro-first-managers, which the
      // provisioner writes: an e-mail is kept out of cluster objects); CW_WORKSPACE_MANAGERS adds more.
      const managers = [
        ...new Set(
          [...(input.firstManagers ?? []), ...(input.env.CW_WORKSPACE_MANAGERS ?? '').split(',')]
            .map((m) => m.trim().toLowerCase())
            .filter(Boolean),
        ),
      ];
      if (managers.length) config.bootstrapManagers = managers;
      // A vault-bound render names the mounted cerebro-first-managers file; here the runner reads
      // that secret itself (above), and the runner's placeholder for an unknown file is no e-mail.
      delete config.bootstrapManagersFile;
      config.llm = input.env.LLM_BASE_URL
        ? {
            kind: 'openai-compatible',
            baseUrl: input.env.LLM_BASE_URL,
            model: input.env.LLM_MODEL ?? 'gpt-4o-mini',
            ...(input.env.LLM_API_KEY ? { apiKeyFile: `${secretsDir}/llm-api-key` } : {}),
          }
        : { kind: 'none' };
      // A cloud search service (Azure AI Search, OpenSearch) is out of reach here: the knowledge
      // index becomes pgvector on a PGlite in cerebro's own folder, as a local tenant's is rendered.
      const knowledge = config.knowledge as { search?: { kind?: string } } | undefined;
      if (knowledge?.search && knowledge.search.kind !== 'pgvector')
        config.knowledge = {
          ...knowledge,
          search: { kind: 'pgvector', connection: { driver: 'pglite', dataDir: `${own}/knowledge` } },
        };
      config.engines = ((config.engines as Array<Record<string, unknown>>) ?? []).map((e) => {
        const p = ports.engines[String(e.name)];
        return p
          ? { ...e, dashboardUrl: `http://127.0.0.1:${p.dashboard}`, mcpUrl: `http://127.0.0.1:${p.mcp}/mcp` }
          : e;
      });
      env.CW_PORT = String(ports.cerebro);
      probePort = () => ports.cerebro;
    } else {
      const p = ports.engines[engineName(w)];
      if (!p) throw new Error(`no local ports for engine ${engineName(w)} of ${slug}`);
      config.ports = { dashboard: p.dashboard, mcp: p.mcp };
      config.listenHost = '127.0.0.1';
      const auth = config.auth as Record<string, unknown>;
      config.auth = {
        ...auth,
        issuer: input.publicUrl,
        jwksUrl: `${cerebroUrl}/.well-known/jwks.json`,
        resource: `http://127.0.0.1:${p.mcp}/mcp`,
      };
      config.allowedHosts = [...((config.allowedHosts as string[]) ?? []), '127.0.0.1', 'localhost'];
      // The payments plugin talks to npm start's local Stripe stand-in (a 127.0.0.1 address the
      // outbound guard refuses unless excepted), so its tools work offline.
      const stripeBase = input.env.STRIPE_API_BASE ? new URL(input.env.STRIPE_API_BASE) : undefined;
      if (stripeBase && ['127.0.0.1', 'localhost'].includes(stripeBase.hostname)) {
        const pluginConfig = (config.pluginConfig as Record<string, Record<string, unknown>>) ?? {};
        config.pluginConfig = {
          ...pluginConfig,
          payments: { ...pluginConfig.payments, apiBase: stripeBase.origin },
        };
        const outbound = (config.outbound as { allowHosts?: string[] }) ?? {};
        config.outbound = {
          ...outbound,
          allowHosts: [...(outbound.allowHosts ?? []), `127.0.0.1:${stripeBase.port}`],
        };
      }
      const declared = w.ports;
      probePort = (port) => (port === declared['http-mcp'] ? p.mcp : p.dashboard);
    }
    return {
      workload: w,
      config,
      env,
      secrets,
      dirs: [
        own,
        `${own}/tmp`,
        `${own}/outbox`,
        ...(sharedStore ? [] : [`${own}/store`]),
        ...w.emptyDirs.filter((d) => d !== '/tmp').map((d) => mapPath(d, own)),
      ],
      probeUrls: w.probes.map((pr) => `http://127.0.0.1:${probePort(pr.port)}${pr.path}`),
    };
  });
  return { workloads, sharedStore };
}
