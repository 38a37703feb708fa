/**
 * Worker kill loop: rounds of several tenants provisioned at once by two provisioner worker
 * processes (the image's bundle, like replicas), with a worker SIGKILLed at seeded random times
 * several times per round and a fresh one started in its place, until every run has finished.
 * Each tenant must end with one succeeded provision run, one Tenant applied, one terraform apply,
 * one `provisioning_succeeded` and exactly one welcome e-mail. RELIABILITY_KILL_ROUNDS (default 5),
 * RELIABILITY_KILL_TENANTS (default 3 per round), RELIABILITY_KILLS_PER_ROUND (default 4).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { defaultPlatformConfig } from '@cw/cloud-stacks';
import { openTestDatabase, type TestDatabase } from '@cw/db/testing';
import { KubeClient } from '@cw/k8s-client';
import { readOutbox } from '@cw/mail';
import { BullmqProvisioningQueue, createProvisioningAdmin } from '@cw/provisioning';
import { fakeTerraform } from '@cw/provisioning/testing';
import { StandInOperator, uniqueTenantName } from '@cw/testing/kube';
import {
  buildBundle,
  eventually,
  ROOT,
  startProcess,
  type Bundle,
  type PlatformProcess,
} from '@cw/testing/processes';
import { LABEL_TENANT, parseTenant, sampleTenant } from '@cw/tenant-model';
import { REDIS_URL, removeTenants, report, seededRandom, sleep } from '../src/index.js';

const ROUNDS = Number(process.env.RELIABILITY_KILL_ROUNDS ?? 5);
const TENANTS = Number(process.env.RELIABILITY_KILL_TENANTS ?? 3);
const KILLS_PER_ROUND = Number(process.env.RELIABILITY_KILLS_PER_ROUND ?? 4);
const r = seededRandom();
const kubeconfig = inject('kubeconfig');
const kube = KubeClient.fromKubeconfig(kubeconfig, { fieldManager: 'cw-reliability' });
const dir = mkdtempSync(join(tmpdir(), 'cw-rel-kill-'));
const prefix = `cwk-${randomBytes(4).toString('hex')}`;
const artifactsDir = join(dir, 'tenants');
const outboxDir = join(dir, 'outbox');
const slugs: string[] = [];
const workers = new Set<PlatformProcess>();
let tdb: TestDatabase;
let bundle: Bundle;
let operator: StandInOperator;
let queue: BullmqProvisioningQueue;

beforeAll(async () => {
  [tdb, bundle] = await Promise.all([
    openTestDatabase('rel_kill_loop'),
    buildBundle('provisioner', `${ROOT}tools/reliability/dist`),
  ]);
  operator = new StandInOperator(kubeconfig);
  await operator.start();
  queue = new BullmqProvisioningQueue({ connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix });
});

afterAll(async () => {
  await Promise.all([...workers].map((w) => w.kill()));
  await removeTenants(kube, slugs).catch(() => undefined);
  await queue?.queue.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await operator?.stop();
  await tdb?.close();
  await bundle?.remove();
  rmSync(dir, { recursive: true, force: true });
});

it(
  'provisions every tenant exactly once while workers are SIGKILLed at random times',
  { timeout: 290_000 },
  async () => {
    const started = Date.now();
    const tf = fakeTerraform({
      vault_uri: {
        value: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cw/tenants/kill/',
        type: 'string',
      },
      identity_role_arn: { value: 'arn:aws:iam::123456789012:role/cw-tenant-kill', type: 'string' },
    });
    const platformFile = join(tf.binDir, 'platform-aws.yaml');
    writeFileSync(platformFile, JSON.stringify(defaultPlatformConfig('aws', 'eu-west-1')));
    const env = {
      KUBECONFIG: kubeconfig,
      DATABASE_URL: tdb.url,
      DATABASE_SCHEMA: tdb.schema,
      PATH: `${tf.binDir}:${process.env.PATH}`,
      TERRAFORM_BIN: 'terraform',
      PLATFORM_CONFIG: platformFile,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      ARTIFACTS_DIR: artifactsDir,
      MAIL_TRANSPORT: 'outbox',
      MAIL_OUTBOX_DIR: outboxDir,
      // One job at a time per worker: a round's runs take a few seconds, long enough for several kills.
      PROVISIONER_CONCURRENCY: '1',
      PROVISIONER_LOCK_MS: '2000',
      LOG_LEVEL: 'warn',
    };
    const admin = createProvisioningAdmin({ db: tdb.db, queue, artifactsDir });
    const spawnWorker = () => {
      const w = startProcess('provisioner', env, { bundle: bundle.file });
      workers.add(w);
      void w.exited.then(() => workers.delete(w));
      return w;
    };

    let kills = 0;
    let lost = 0;
    let duplicated = 0;
    let strayTmpFiles = 0;
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const runs: { slug: string; tenantId: string; runId: string }[] = [];
      for (let i = 0; i < TENANTS; i++) {
        const slug = operator.adopt(uniqueTenantName(`kill${round}`));
        slugs.push(slug);
        const spec = parseTenant(
          sampleTenant({
            name: slug,
            spec: { hostname: `${slug}.localtest.me`, displayName: `Org ${slug}` },
          }),
        ).spec;
        const tenant = await tdb.db.tenants.create({
          slug,
          spec,
          adminEmail: `admin@${slug}.example.com`,
          correlationId: `cs_${slug}`,
          billingMode: 'stripe',
          state: 'provisioning',
        });
        const { run } = await admin.startRun({
          tenantId: tenant.id,
          goal: 'provision',
          correlationId: `cs_${slug}`,
          idempotencyKey: 'provision',
        });
        runs.push({ slug, tenantId: tenant.id, runId: run.id });
      }
      const finished = async () => {
        const statuses = await Promise.all(
          runs.map(async (x) => (await tdb.db.runs.getById(x.runId)).status),
        );
        return statuses.every((s) => s === 'succeeded' || s === 'failed');
      };
      for (let i = workers.size; i < 2; i++) spawnWorker();
      // Kill at seeded random times, replacing each killed worker, while runs are in flight.
      for (let k = 0; k < KILLS_PER_ROUND && !(await finished()); k++) {
        // The first kill after the cold workers have booted (about a second), the next ones sooner.
        await sleep(k === 0 ? r.int(600, 2_000) : r.int(150, 1_000));
        if (await finished()) break;
        const victim = r.pick([...workers]);
        if (!victim) continue;
        await victim.kill('SIGKILL');
        kills++;
        spawnWorker();
      }
      await eventually(finished, `round ${round}: every run to finish (seed ${r.seed})`, 120_000);
      // Each round starts with cold workers, so its kills land while its runs are in flight.
      const alive = [...workers];
      await Promise.all(alive.map((w) => w.stop()));
      for (const w of alive) expect(w.output()).not.toMatch(/configuration error|failed to start/);

      for (const x of runs) {
        const done = await tdb.db.runs.getWithSteps(x.runId);
        if (done.status !== 'succeeded') {
          lost++;
          problems.push(
            `${x.slug}: run ${done.status} ${JSON.stringify(done.steps.map((s) => [s.step, s.status, s.attempts, s.error]))}`,
          );
        }
        const counts = {
          tenants: (await kube.listTenants()).filter((t) => t.metadata.labels?.[LABEL_TENANT] === x.slug)
            .length,
          runs: await tdb.db.runs.countByTenant(x.tenantId),
          succeededEvents: (await tdb.db.lifecycle.history(x.tenantId)).filter(
            (e) => e.event === 'provisioning_succeeded',
          ).length,
          welcome: (await readOutbox(outboxDir, { to: `admin@${x.slug}.example.com`, tag: 'welcome' }))
            .length,
          applies: tf.calls().filter((c) => c.args[0] === 'apply' && c.cwd.includes(x.slug)).length,
        };
        for (const [what, n] of Object.entries(counts)) {
          if (n > 1) duplicated += n - 1;
          if (n !== 1) problems.push(`${x.slug}: ${what}=${n}`);
        }
        const tmp = (await readdir(join(artifactsDir, x.slug), { recursive: true })).filter((f) =>
          f.endsWith('.tmp'),
        );
        // A SIGKILL between writeFile and rename leaves LocalArtifactStore.write's temp file; its
        // name is fixed per file, so the retried step overwrites and renames it: none may remain.
        strayTmpFiles += tmp.length;
        if (tmp.length) problems.push(`${x.slug}: stray temp artifacts ${tmp.join(', ')}`);
      }
    }
    report('worker-kill-loop', {
      seed: r.seed,
      rounds: ROUNDS,
      tenants: ROUNDS * TENANTS,
      kills,
      seconds: ((Date.now() - started) / 1000).toFixed(1),
      strayTmpFiles,
      lost,
      duplicated,
    });
    expect(problems, `seed ${r.seed}`).toEqual([]);
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
  },
);
