/**
 * The provisioning pipeline at a burst of sign-ups: 200 tenants whose checkout completes at
 * once ("checkout.session.completed": the run is created and its first job enqueued, as the
 * control plane does), one provisioner process (`node --import tsx apps/provisioner/src/main.ts`,
 * its default concurrency) against real Redis, PostgreSQL and Kubernetes (kube-local, or
 * BENCH_KUBECONFIG). Figures: tenants per second from checkout to "Tenant applied" (apply-tenant
 * done), p50/p95 of that latency, and p50/p95 per stage — each step's duration and the queue wait
 * before it — from the step rows. A stand-in reports every Tenant Ready, so await-ready and notify
 * finish too (they are measured, not counted in the applied figure).
 * Alone: `node --import tsx tools/bench/src/provisioning.bench.ts`. PROVISIONING_BENCH_TENANTS
 * overrides the count (default 200), PROVISIONING_BENCH_CONCURRENCY the worker's concurrency.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase, type Database } from '@cw/db';
import { TEST_DATABASE_URL, uniqueSchemaName } from '@cw/db/testing';
import { KubeClient } from '@cw/k8s-client';
import { BullmqProvisioningQueue, createProvisioningAdmin } from '@cw/provisioning';
import { TENANT_CRD_PATH, installCrds, startKubeLocal, type KubeLocal } from '@cw/testing/kube';
import { startProcess, waitForOutput, type PlatformProcess } from '@cw/testing/processes';
import { GOAL_STEPS, validateTenantSpec, type Tenant } from '@cw/tenant-model';
import { percentile, round, type Figure } from './figure.js';

const COUNT = Number(process.env.PROVISIONING_BENCH_TENANTS ?? 200);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = (msg: string) => process.stderr.write(`[provisioning.bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Reports each Tenant generation Ready, as the operator would once its workloads are up. */
function standInOperator(kubeconfig: string) {
  const client = KubeClient.fromKubeconfig(kubeconfig, { fieldManager: 'bench-operator', maxInFlight: 16 });
  const report = (t: Tenant) => {
    const generation = t.metadata.generation ?? 0;
    if (t.status?.observedGeneration === generation) return;
    const now = new Date().toISOString();
    void client
      .patchTenantStatus(t.metadata.name, {
        observedGeneration: generation,
        phase: 'Ready',
        url: `https://${t.spec.hostname}`,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'WorkloadsReady',
            message: 'bench',
            lastTransitionTime: now,
          },
        ],
      })
      .catch(() => undefined);
  };
  return client.watchTenants((type, t) => type !== 'DELETED' && report(t));
}

/** The provisioner with the bench's environment over this one, once it has logged that it is ready. */
async function startProvisioner(env: Record<string, string | undefined>): Promise<PlatformProcess> {
  const proc = startProcess('provisioner', env, { inheritEnv: true });
  await waitForOutput(proc, /"provisioner ready"/, 60_000);
  return proc;
}

async function seed(db: Database, runId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < COUNT; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, COUNT - i) }, async (_, j) => {
        const slug = `pb${runId}-${i + j}`;
        const spec = validateTenantSpec({
          displayName: `Bench ${i + j}`,
          plan: 'team',
          seats: 10,
          cloud: { provider: 'aws', region: 'eu-west-1' },
          hostname: `${slug}.localtest.me`,
        });
        if (!spec.ok) throw new Error(JSON.stringify(spec.issues));
        const t = await db.tenants.create({
          slug,
          spec: spec.value,
          adminEmail: `owner@${slug}.example`,
          correlationId: `cs_${slug}`,
          billingMode: 'stripe',
          state: 'provisioning',
        });
        return t.id;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

export async function run(): Promise<Figure[]> {
  const external = process.env.BENCH_KUBECONFIG;
  let cluster: KubeLocal | undefined;
  let provisioner: PlatformProcess | undefined;
  let watch: { stop(): Promise<void> } | undefined;
  const tag = randomBytes(3).toString('hex');
  const schema = uniqueSchemaName('provbench');
  const prefix = `provbench-${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'cw-provisioning-bench-'));
  const db = await openDatabase({ url: TEST_DATABASE_URL, schema, poolSize: 8 });
  const queue = new BullmqProvisioningQueue({
    connection: { url: REDIS_URL, maxRetriesPerRequest: null },
    prefix,
  });
  try {
    cluster = external ? undefined : await startKubeLocal();
    const kubeconfig = external ?? cluster!.kubeconfigPath;
    await installCrds(kubeconfig, [TENANT_CRD_PATH]);
    const tenantIds = await seed(db, tag);
    log(`${COUNT} tenants seeded; starting the provisioner`);
    provisioner = await startProvisioner({
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      KUBECONFIG: kubeconfig,
      ARTIFACTS_DIR: join(dir, 'tenants'),
      MAIL_OUTBOX_DIR: join(dir, 'outbox'),
      LOG_LEVEL: 'info',
      ...(process.env.PROVISIONING_BENCH_CONCURRENCY
        ? { PROVISIONER_CONCURRENCY: process.env.PROVISIONING_BENCH_CONCURRENCY }
        : {}),
    });
    watch = standInOperator(kubeconfig);
    const admin = createProvisioningAdmin({ db, queue, artifactsDir: join(dir, 'tenants') });

    // The burst: every checkout completes at once.
    const cpu0 = cpuSeconds(provisioner.child.pid);
    const t0 = Date.now();
    const runIds = await Promise.all(
      tenantIds.map(
        async (tenantId) =>
          (
            await admin.startRun({
              tenantId,
              goal: 'provision',
              correlationId: `cs_${tenantId}`,
              idempotencyKey: 'provision',
            })
          ).run.id,
      ),
    );
    const enqueuedMs = Date.now() - t0;
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const runs = await Promise.all(runIds.map((id) => db.runs.getById(id)));
      const open = runs.filter((r) => r.status === 'queued' || r.status === 'running').length;
      if (open === 0) break;
      if (Date.now() > deadline) throw new Error(`${open} runs still open after 15 minutes`);
      await sleep(500);
    }
    const workerCpu = cpuSeconds(provisioner.child.pid) - cpu0;
    const wall = (Date.now() - t0) / 1000;
    const runs = await Promise.all(runIds.map((id) => db.runs.getWithSteps(id)));
    const failed = runs.filter((r) => r.status !== 'succeeded');
    if (failed.length > 0)
      throw new Error(
        `${failed.length} runs failed, e.g. ${JSON.stringify(failed[0]!.steps.find((s) => s.status === 'failed'))}`,
      );

    const appliedAt = runs.map((r) => r.steps.find((s) => s.step === 'apply-tenant')!.finishedAt!.getTime());
    const lastApplied = Math.max(...appliedAt);
    const toApplied = appliedAt.map((t) => (t - t0) / 1000).sort((a, b) => a - b);
    const figures: Figure[] = [
      { name: 'provisioning.tenants', value: COUNT, unit: 'tenants' },
      { name: 'provisioning.enqueue_burst', value: enqueuedMs, unit: 'ms' },
      {
        name: 'provisioning.checkout_to_applied.throughput',
        value: round(COUNT / ((lastApplied - t0) / 1000)),
        unit: 'tenants/s',
      },
      { name: 'provisioning.checkout_to_applied.p50', value: round(percentile(toApplied, 50)), unit: 's' },
      { name: 'provisioning.checkout_to_applied.p95', value: round(percentile(toApplied, 95)), unit: 's' },
    ];
    const steps = GOAL_STEPS.provision;
    for (const [i, step] of steps.entries()) {
      const durations = runs
        .map((r) => r.steps.find((s) => s.step === step)!.durationMs ?? 0)
        .sort((a, b) => a - b);
      // Queue wait: from the previous step's end (or the enqueue) to this step's last start.
      const waits = runs
        .map((r) => {
          const s = r.steps.find((x) => x.step === step)!;
          const before = i === 0 ? r.enqueuedAt : r.steps.find((x) => x.step === steps[i - 1])!.finishedAt;
          return before && s.startedAt ? s.startedAt.getTime() - before.getTime() : 0;
        })
        .sort((a, b) => a - b);
      figures.push({ name: `provisioning.step.${step}.p50`, value: percentile(durations, 50), unit: 'ms' });
      figures.push({ name: `provisioning.step.${step}.p95`, value: percentile(durations, 95), unit: 'ms' });
      figures.push({ name: `provisioning.wait.${step}.p50`, value: percentile(waits, 50), unit: 'ms' });
      figures.push({ name: `provisioning.wait.${step}.p95`, value: percentile(waits, 95), unit: 'ms' });
    }
    const ready = runs.map((r) => (r.finishedAt!.getTime() - t0) / 1000).sort((a, b) => a - b);
    figures.push({
      name: 'provisioning.checkout_to_run_finished.p95',
      value: round(percentile(ready, 95)),
      unit: 's',
    });
    // The worker's own CPU per tenant (all six steps), and its share of one core while it ran.
    figures.push({
      name: 'provisioning.worker_cpu_per_tenant',
      value: round((workerCpu * 1000) / COUNT, 1),
      unit: 'ms',
    });
    figures.push({
      name: 'provisioning.worker_cpu_utilisation',
      value: round(workerCpu / wall, 2),
      unit: 'cores',
    });
    return figures;
  } finally {
    await watch?.stop().catch(() => undefined);
    await provisioner?.stop();
    await queue.queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await db.dropSchema().catch(() => undefined);
    await db.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const figure of await run()) process.stdout.write(`${JSON.stringify(figure)}\n`);
  process.exit(0);
}
