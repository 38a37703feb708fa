/**
 * Operator configuration, validated once at boot from the environment (STYLE #3): a bad or
 * missing variable stops the process with the variable's name.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { RenderOptionsError, renderOptionsFromEnv, type TenantRenderOptions } from '@cw/k8s-charts';
import { EnvProblems, formatEnvProblems, type EnvProblem } from '@cw/observability';

const seconds = (def: number) => z.coerce.number().positive().default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');
const name = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Kubernetes name');

const envSchema = z.object({
  KUBECONFIG: z.string().optional(),
  POD_NAME: z.string().default(hostname()),
  POD_NAMESPACE: name.default('cw-system'),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  METRICS_HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RECONCILE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  RESYNC_PERIOD_SECONDS: seconds(300),
  BACKOFF_BASE_MS: z.coerce.number().int().positive().default(500),
  BACKOFF_MAX_SECONDS: seconds(300),
  WATCH_TIMEOUT_SECONDS: seconds(300),
  LEADER_ELECTION: bool(true),
  LEASE_NAME: name.default('tenant-operator'),
  LEASE_DURATION_SECONDS: seconds(15),
  LEASE_RENEW_DEADLINE_SECONDS: seconds(10),
  LEASE_RETRY_PERIOD_SECONDS: seconds(2),
  API_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(1000).default(64),
  TENANT_LABEL_SELECTOR: z.string().optional(),
  STATUS_SETTLE_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  STATUS_FIRST_SETTLE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
});

export interface OperatorConfig {
  readonly kubeconfig: string | undefined;
  readonly identity: string;
  readonly namespace: string;
  readonly metrics: { readonly port: number; readonly host: string };
  readonly logLevel: string;
  readonly concurrency: number;
  readonly resyncMs: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  readonly watchTimeoutSeconds: number;
  readonly leaderElection: {
    readonly enabled: boolean;
    readonly leaseName: string;
    readonly leaseDurationSeconds: number;
    readonly renewDeadlineMs: number;
    readonly retryPeriodMs: number;
  };
  readonly apiMaxInFlight: number;
  /** Only Tenants matching this label selector are reconciled (shards; isolated test runs). Default: all. */
  readonly tenantSelector: string | undefined;
  /** How long a rolling-out (Provisioning) status waits before it is written; 0: at once. */
  readonly statusSettleMs: number;
  /**
   * The same for a tenant's first status (it has none yet: `kubectl get tenants` shows no phase,
   * which says as much as Provisioning would). 0: at once.
   */
  readonly statusFirstSettleMs: number;
  readonly render: TenantRenderOptions;
}

/** Every bad variable at once; `variable` is the first. */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(readonly problems: readonly EnvProblem[]) {
    super(formatEnvProblems(problems).replace(/^ {2}/gm, ''));
    this.name = 'ConfigError';
    this.variable = problems[0]!.variable;
  }
}

export function parseOperatorConfig(env: Record<string, string | undefined> = process.env): OperatorConfig {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  const problems = new EnvProblems();
  if (!parsed.success)
    for (const issue of parsed.error.issues) problems.add(String(issue.path[0]), issue.message);
  const render = renderOptions(env, problems);
  problems.throwIfAny((all) => new ConfigError(all));
  const e = parsed.data!;
  return {
    kubeconfig: e.KUBECONFIG,
    identity: `${e.POD_NAME}_${process.pid}`,
    namespace: e.POD_NAMESPACE,
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
    logLevel: e.LOG_LEVEL,
    concurrency: e.RECONCILE_CONCURRENCY,
    resyncMs: e.RESYNC_PERIOD_SECONDS * 1000,
    backoff: { baseMs: e.BACKOFF_BASE_MS, maxMs: e.BACKOFF_MAX_SECONDS * 1000 },
    watchTimeoutSeconds: e.WATCH_TIMEOUT_SECONDS,
    leaderElection: {
      enabled: e.LEADER_ELECTION,
      leaseName: e.LEASE_NAME,
      leaseDurationSeconds: e.LEASE_DURATION_SECONDS,
      renewDeadlineMs: e.LEASE_RENEW_DEADLINE_SECONDS * 1000,
      retryPeriodMs: e.LEASE_RETRY_PERIOD_SECONDS * 1000,
    },
    apiMaxInFlight: e.API_MAX_IN_FLIGHT,
    tenantSelector: e.TENANT_LABEL_SELECTOR,
    statusSettleMs: e.STATUS_SETTLE_MS,
    statusFirstSettleMs: e.STATUS_FIRST_SETTLE_MS,
    render: render!,
  };
}

/** Render settings (gateway, DNS, mesh, secret store...): the same variables `cw render` reads. */
function renderOptions(
  env: Record<string, string | undefined>,
  problems: EnvProblems,
): TenantRenderOptions | undefined {
  try {
    return renderOptionsFromEnv(env);
  } catch (error) {
    if (!(error instanceof RenderOptionsError)) throw error;
    problems.add(error.variable, error.problem);
    return undefined;
  }
}
