/**
 * Crash safety: the worker process is SIGKILLed at every step boundary and in the middle of
 * every step (PROVISIONER_CRASH_AT, once per point); each time a fresh worker process takes
 * over. The run must still finish with no duplicate resources — terraform applies once, one
 * Tenant, one transition — and exactly one welcome e-mail.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultPlatformConfig } from '@cw/cloud-stacks';
import { openTestDatabase, type TestDatabase } from '@cw/db/testing';
import { KubeClient } from '@cw/k8s-client';
import { readOutbox } from '@cw/mail';
import { BullmqProvisioningQueue, createProvisioningAdmin, type ProvisioningAdmin } from '@cw/provisioning';
import { fakeTerraform } from '@cw/provisioning/testing';
import { StandInOperator, testKubeconfigPath, uniqueTenantName } from '@cw/testing/kube';
import {
  buildBundle,
  eventually,
  ROOT,
  startProcess,
  type Bundle,
  type PlatformProcess,
} from '@cw/testing/processes';
import { LABEL_TENANT, provisioningJobId, GOAL_STEPS } from '@cw/tenant-model';
import { createTenant, provisionerEnv, type ProvisionerTestEnv } from '../support/fixtures.js';

/** In the order a provision run reaches them. Boundaries: after-record (next step not enqueued) and after-enqueue (job not completed); the rest is mid-step. */
const CRASH_POINTS = [
  'synthesize-infrastructure:after-run',
  'synthesize-infrastructure:after-enqueue',
  'apply-infrastructure:applied',
  'apply-infrastructure:after-record',
  'render-tenant:written',
  'render-tenant:after-enqueue',
  'apply-tenant:applied',
  'apply-tenant:after-enqueue',
  'await-ready:after-run',
  'notify:sending',
  'notify:sent',
  'notify:after-record',
];

let tdb: TestDatabase;
let env: ProvisionerTestEnv | undefined;
let bundle: Bundle;
let operator: StandInOperator;
let admin: ProvisioningAdmin;
let queue: BullmqProvisioningQueue | undefined;
const workers = new Set<PlatformProcess>();

beforeAll(async () => {
  [tdb, bundle] = await Promise.all([
    openTestDatabase('provisioner_crash'),
    buildBundle('provisioner', `${ROOT}apps/provisioner/dist`),
  ]);
  operator = new StandInOperator(testKubeconfigPath());
  await operator.start();
});

afterAll(async () => {
  await Promise.all([...workers].map((w) => w.stop(1_000)));
  await queue?.queue.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await operator?.stop();
  await tdb?.close();
  await bundle?.remove();
  env?.cleanup();
});

it(
  'a worker killed at every step boundary and mid-step is replaced and finishes the run exactly once',
  { timeout: 300_000 },
  async () => {
    const tf = fakeTerraform({
      vault_uri: {
        value: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cw/tenants/crash/',
        type: 'string',
      },
      identity_role_arn: { value: 'arn:aws:iam::123456789012:role/cw-tenant-crash', type: 'string' },
      // The tenant's data store: without it the Tenant cannot be rendered (a render issue).
      database_endpoint: { value: 'https://dynamodb.eu-west-1.amazonaws.com', type: 'string' },
      database_name: { value: 'cw-tenants', type: 'string' },
    });
    const platformFile = join(tf.binDir, 'platform-aws.yaml');
    await writeFile(platformFile, JSON.stringify(defaultPlatformConfig('aws', 'eu-west-1')));
    const onceFile = join(tf.binDir, 'crashed.txt');
    const t = (env = provisionerEnv({
      KUBECONFIG: testKubeconfigPath(),
      DATABASE_URL: tdb.url,
      DATABASE_SCHEMA: tdb.schema,
      PATH: `${tf.binDir}:${process.env.PATH}`,
      TERRAFORM_BIN: 'terraform',
      PLATFORM_CONFIG: platformFile,
      PROVISIONER_LOCK_MS: '2000',
      PROVISIONER_CRASH_AT: CRASH_POINTS.join(','),
      PROVISIONER_CRASH_ONCE_FILE: onceFile,
      LOG_LEVEL: 'info',
    }));
    queue = new BullmqProvisioningQueue({
      connection: { url: t.env.REDIS_URL!, maxRetriesPerRequest: null },
      prefix: t.prefix,
    });
    admin = createProvisioningAdmin({ db: tdb.db, queue, artifactsDir: t.artifactsDir });

    const slug = operator.adopt(uniqueTenantName('crash'));
    const tenant = await createTenant(tdb.db, slug);
    const { run } = await admin.startRun({
      tenantId: tenant.id,
      goal: 'provision',
      correlationId: `cs_${slug}`,
      idempotencyKey: 'provision',
    });

    // Two worker processes (the bundle of the image), like replicas: when one is killed, the other
    // picks the job up once its lock has expired, and a fresh process is started in its place.
    let starts = 0;
    const logs: string[] = [];
    const T0 = Date.now();
    const spawnWorker = () => {
      starts++;
      const w = startProcess('provisioner', t.env, { bundle: bundle.file });
      workers.add(w);
      if (process.env.CRASH_DEBUG) {
        const pid = w.child.pid;
        const show = (d: unknown) =>
          String(d)
            .split('\n')
            .forEach(
              (l) =>
                l &&
                process.stderr.write(
                  `[${((Date.now() - T0) / 1000).toFixed(1)}s ${pid}] ${l.replace(/^.*"msg":/, '').slice(0, 120)}\n`,
                ),
            );
        w.child.stdout!.on('data', show);
        w.child.stderr!.on('data', show);
      }
      void w.exited.then(({ signal }) => {
        logs.push(
          `--- worker ${w.child.pid} exited (${signal})\n${w
            .output()
            .split('\n')
            .filter((l) => /"level":[45]0|PROVISIONER_CRASH_AT|ready/.test(l))
            .join('\n')}\n`,
        );
        workers.delete(w);
        if (signal !== 'SIGKILL') return;
        if (starts < CRASH_POINTS.length + 6) spawnWorker();
      });
    };
    for (let i = 0; i < 2; i++) spawnWorker();
    const finished = async () => ['succeeded', 'failed'].includes((await tdb.db.runs.getById(run.id)).status);
    await eventually(finished, 'the run to finish', 240_000);
    const alive = [...workers];
    await Promise.all(alive.map((w) => w.stop()));
    for (const w of alive) expect(w.output()).not.toMatch(/configuration error|failed to start/);
    const kills = (await readFile(onceFile, 'utf8')).trim().split('\n');

    // Every point was hit, once, in order, and another worker took over each time.
    expect(kills).toEqual(CRASH_POINTS);
    const done = await tdb.db.runs.getWithSteps(run.id);
    const events = (await tdb.db.lifecycle.history(tenant.id)).map(
      (e) => `${e.event}: ${JSON.stringify(e.details)}`,
    );
    const why = `steps: ${JSON.stringify(done.steps.map((s) => [s.step, s.status, s.attempts, s.error]))}\nevents: ${events.join('\n')}\nlogs:\n${logs.join('')}`;
    expect(done.status, why).toBe('succeeded');
    // Each step was interrupted once after it had started (so at least two attempts); notify was
    // killed after sending, and its retry found the message in the outbox instead of sending again.
    // (A worker starved of CPU past its lock can add an attempt: hence at least, not exactly.)
    const expected: Partial<Record<(typeof done.steps)[number]['step'], readonly [string, number]>> = {
      'synthesize-infrastructure': ['succeeded', 2],
      'apply-infrastructure': ['succeeded', 2],
      'render-tenant': ['succeeded', 2],
      'apply-tenant': ['succeeded', 2],
      'await-ready': ['succeeded', 2],
      notify: ['skipped', 3],
    };
    for (const s of done.steps) {
      const [status, attempts] = expected[s.step]!;
      expect(s.status, `${s.step}\n${why}`).toBe(status);
      expect(s.attempts, `${s.step}\n${why}`).toBeGreaterThanOrEqual(attempts);
    }
    expect(done.steps.find((s) => s.step === 'notify')!.output).toMatchObject({
      reason: 'welcome e-mail already sent (recorded after a restart)',
    });

    // No duplicates: terraform applied once, one Tenant, one transition, one run, one e-mail.
    expect(tf.calls().filter((c) => c.args[0] === 'apply')).toHaveLength(1);
    const kube = KubeClient.fromKubeconfig(testKubeconfigPath());
    const tenants = (await kube.listTenants()).filter((x) => x.metadata.labels?.[LABEL_TENANT] === slug);
    expect(tenants).toHaveLength(1);
    expect(tenants[0]!.spec.bindings.identity).toEqual({
      roleArn: 'arn:aws:iam::123456789012:role/cw-tenant-crash',
    });
    const history = await tdb.db.lifecycle.history(tenant.id);
    expect(history.filter((e) => e.event === 'provisioning_succeeded')).toHaveLength(1);
    expect((await tdb.db.tenants.getById(tenant.id)).state).toBe('active');
    expect(await tdb.db.runs.countByTenant(tenant.id)).toBe(1);
    expect(await readOutbox(t.outboxDir, { to: `admin@${slug}.example.com`, tag: 'welcome' })).toHaveLength(
      1,
    );
    expect(
      (await readdir(join(t.artifactsDir, slug), { recursive: true })).filter((f) => f.endsWith('.tmp')),
    ).toEqual([]);
    for (const step of GOAL_STEPS.provision) {
      const job = await queue.queue.getJob(provisioningJobId(tenant.id, run.id, step));
      expect(await job?.getState()).toBe('completed');
    }
  },
);
