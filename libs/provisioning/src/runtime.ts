/**
 * Wires the pipeline to the real adapters from a validated configuration: libs/db, BullMQ,
 * libs/cloud-stacks, the gitops or terraform executor, libs/k8s-charts, libs/k8s-client (when a
 * cluster is configured) and libs/mail. Everything that can be wrong with the environment is
 * found here, before the worker takes its first job.
 */
import { openDatabase, type Database } from '@cw/db';
import { createMailer, type Mailer } from '@cw/mail';
import { createLogger, useLogTracing, type Logger, type Registry } from '@cw/observability';
import { workspaceUrlFrom } from '@cw/tenant-model';
import { ChartsTenantRenderer } from './adapters/charts-renderer.js';
import { CloudStacksSynthesizer, cloudStacksBindings } from './adapters/cloud-stacks-synthesizer.js';
import { DbRunStore } from './adapters/db-run-store.js';
import { GitopsExecutor } from './adapters/gitops-executor.js';
import { KubeClusterGateway } from './adapters/kube-cluster-gateway.js';
import { LocalArtifactStore } from './adapters/local-artifact-store.js';
import { MailNotifier } from './adapters/mail-notifier.js';
import { BullmqProvisioningQueue } from './adapters/bullmq-queue.js';
import { TerraformExecutor, resolveTerraformBin } from './adapters/terraform-executor.js';
import { VaultDataPlaneSecrets } from './adapters/vault-data-plane-secrets.js';
import { PlatformTenantDataPurger } from './adapters/platform-data-purger.js';
import type { ProvisioningConfig } from './config.js';
import { crashHookFromEnv, type CrashHook } from './crash-hook.js';
import { ProvisioningConfigError, errorMessage } from './errors.js';
import { TenantHealthWatcher } from './health-watch.js';
import { createProvisioningMetrics } from './metrics.js';
import { createStepRunner, type PipelineDeps } from './pipeline.js';
import type { InfraExecutor } from './ports.js';
import type { StepRunner } from './step-runner.js';

export interface ProvisioningRuntime {
  readonly deps: PipelineDeps;
  readonly runner: StepRunner;
  readonly db: Database;
  readonly queue: BullmqProvisioningQueue;
  /** Follows Tenant health after provisioning; absent in render-only mode. */
  readonly healthWatcher?: TenantHealthWatcher;
  /** What this process runs with, for the start-up log line. */
  readonly summary: Record<string, unknown>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly registry: Registry;
  readonly log?: Logger;
  readonly crash?: CrashHook;
  /** An already open database (tests, or the control plane sharing its own). */
  readonly db?: Database;
}

const bullConnection = (config: ProvisioningConfig) => ({ url: config.redisUrl, maxRetriesPerRequest: null });

export async function createProvisioningRuntime(
  config: ProvisioningConfig,
  options: RuntimeOptions,
): Promise<ProvisioningRuntime> {
  const log = options.log ?? createLogger({ name: 'provisioner' });
  const closers: Array<() => Promise<unknown> | unknown> = [];
  try {
    const artifacts = new LocalArtifactStore(config.artifactsDir);
    const executor = await createExecutor(config, artifacts);
    const synthesizer = loadSynthesizer(config);
    synthesizer.warmUp();

    let cluster: KubeClusterGateway | undefined;
    let renderer = new ChartsTenantRenderer();
    if (config.kubeconfig) {
      try {
        cluster = KubeClusterGateway.fromKubeconfig(config.kubeconfig);
        renderer = new ChartsTenantRenderer({ capabilities: await cluster.capabilities() });
      } catch (error) {
        throw new ProvisioningConfigError(
          'KUBECONFIG',
          `cluster ${config.kubeconfig} cannot be used: ${errorMessage(error)}`,
        );
      }
    }

    const db =
      options.db ??
      (await openDatabase({
        url: config.databaseUrl,
        schema: config.databaseSchema,
        ...(config.pgliteDir ? { dataDir: config.pgliteDir } : {}),
        ...(config.migrationsDir ? { migrationsFolder: config.migrationsDir } : {}),
      }));
    if (!options.db) closers.push(() => db.close());
    if (db.driver === 'pglite' && !options.db) {
      // PGlite is one process's database: a control plane on the same directory sees other data.
      log.warn(
        { dataDir: config.pgliteDir ?? '.data/pglite' },
        'no DATABASE_URL: using embedded PGlite, which the control plane cannot share; set DATABASE_URL for both',
      );
    }

    const mailer: Mailer = await createMailer(
      config.mail.transport === 'outbox' ? { ...config.mail, print: (line) => log.info(line) } : config.mail,
    );
    closers.push(() => mailer.close());
    const notifier = new MailNotifier(
      mailer,
      config.mail.transport === 'outbox' ? config.mail.outboxDir : undefined,
    );

    const queue = new BullmqProvisioningQueue({
      connection: bullConnection(config),
      prefix: config.queuePrefix,
    });
    closers.push(() => queue.close());
    const store = new DbRunStore(db);
    const secrets = new VaultDataPlaneSecrets({
      vaultDir: config.vaultDir,
      database: { url: config.databaseUrl, schema: config.databaseSchema },
      mode: config.dataPlaneSecrets,
    });
    closers.push(() => secrets.close());
    const purger = new PlatformTenantDataPurger({
      databaseUrl: config.databaseUrl,
      vault: secrets,
      sharedData: config.purgeSharedData,
    });
    closers.push(() => purger.close());
    const deps: PipelineDeps = {
      store,
      queue,
      artifacts,
      synthesizer,
      executor,
      renderer,
      cluster,
      notifier,
      secrets,
      purger,
      metrics: createProvisioningMetrics(options.registry),
      log,
      crash: options.crash ?? crashHookFromEnv(),
      awaitReadyTimeoutMs: config.awaitReadyTimeoutMs,
      deleteTimeoutMs: config.offboardTimeoutMs,
      workspaceUrl: workspaceUrlFrom(config.workspaceUrlTemplate),
    };
    // Spans (each step, the onboarding stages) as log lines, unless the process registered an SDK.
    useLogTracing(log);
    const runner = createStepRunner(deps);
    const healthWatcher = cluster ? new TenantHealthWatcher({ cluster, store, log }) : undefined;
    return {
      deps,
      runner,
      db,
      queue,
      healthWatcher,
      summary: {
        executor: executor.kind,
        cluster: cluster ? cluster.server : 'none (render-only)',
        artifacts: config.artifactsDir,
        database: db.driver,
        mail: config.mail.transport,
        dataPlaneSecrets: config.dataPlaneSecrets,
        platforms: config.platformConfigs.length || 'built-in placeholders',
        concurrency: config.concurrency,
      },
      async close() {
        await healthWatcher?.stop();
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    throw error;
  }
}

function loadSynthesizer(config: ProvisioningConfig): CloudStacksSynthesizer {
  try {
    return CloudStacksSynthesizer.load(config.platformConfigs, config.platformConfigs.length === 0);
  } catch (error) {
    throw new ProvisioningConfigError('PLATFORM_CONFIG', errorMessage(error));
  }
}

async function createExecutor(
  config: ProvisioningConfig,
  artifacts: LocalArtifactStore,
): Promise<InfraExecutor> {
  if (!config.terraformBin) return new GitopsExecutor(artifacts);
  const bin = await resolveTerraformBin(config.terraformBin, { PATH: config.searchPath ?? process.env.PATH });
  return new TerraformExecutor({
    bin,
    backendConfig: config.terraformBackendConfig,
    outputsToBindings: cloudStacksBindings,
  });
}
