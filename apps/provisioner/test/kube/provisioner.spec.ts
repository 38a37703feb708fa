/**
 * The provisioner application against real Redis, PostgreSQL and a real Kubernetes control
 * plane (kube-local v1.20.2); a stand-in reports Tenant status as the operator would.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openTestDatabase, type TestDatabase } from '@cw/db/testing';
import { KubeClient } from '@cw/k8s-client';
import { readOutbox } from '@cw/mail';
import { createLogger } from '@cw/observability';
import { createProvisioningAdmin, type ProvisioningAdmin } from '@cw/provisioning';
import { StandInOperator, testKubeconfigPath, uniqueTenantName } from '@cw/testing/kube';
import { eventually } from '@cw/testing/processes';
import { ANNOTATION_CORRELATION_ID } from '@cw/tenant-model';
import { bootstrapProvisioner, type Provisioner } from '../../src/index.js';
import { createTenant, provisionerEnv, type ProvisionerTestEnv } from '../support/fixtures.js';

let tdb: TestDatabase;
let provisioner: Provisioner;
let operator: StandInOperator;
let admin: ProvisioningAdmin;
let kube: KubeClient;
let t: ProvisionerTestEnv;

beforeAll(async () => {
  const kubeconfig = testKubeconfigPath();
  tdb = await openTestDatabase('provisioner_kube');
  t = provisionerEnv({
    KUBECONFIG: kubeconfig,
    AWAIT_READY_TIMEOUT_MS: '4000',
    OFFBOARD_TIMEOUT_MS: '20000',
  });
  operator = new StandInOperator(kubeconfig);
  await operator.start();
  provisioner = await bootstrapProvisioner({
    env: t.env,
    db: tdb.db,
    log: createLogger({ name: 'provisioner', level: 'error' }),
  });
  admin = createProvisioningAdmin({
    db: tdb.db,
    queue: provisioner.runtime.queue,
    artifactsDir: t.artifactsDir,
  });
  kube = KubeClient.fromKubeconfig(kubeconfig);
});

afterAll(async () => {
  await provisioner?.close();
  await operator?.stop();
  await provisioner?.runtime.queue.queue.obliterate({ force: true }).catch(() => undefined);
  await tdb?.close();
  t?.cleanup();
});

const runOf = async (runId: string) => (await provisioner.runtime.deps.store.getRun(runId))!;
const finished = (runId: string) =>
  eventually(
    async () => ((await runOf(runId)).status.match(/succeeded|failed/) ? runOf(runId) : false),
    `run ${runId}`,
    120_000,
  );

describe('provisioner on a real cluster', () => {
  it('provisions: Tenant applied with bindings and correlation id, Ready, tenant active, one welcome e-mail, a timeline', async () => {
    const slug = operator.adopt(uniqueTenantName('prov'));
    const tenant = await createTenant(tdb.db, slug);
    const { run } = await admin.startRun({
      tenantId: tenant.id,
      goal: 'provision',
      correlationId: `cs_test_${slug}`,
      idempotencyKey: 'provision',
    });
    const done = await finished(run.id);
    expect(done.status).toBe('succeeded');
    expect(done.steps.map((s) => [s.step, s.status, s.attempts])).toEqual([
      ['synthesize-infrastructure', 'succeeded', 1],
      ['apply-infrastructure', 'succeeded', 1],
      ['render-tenant', 'succeeded', 1],
      ['apply-tenant', 'succeeded', 1],
      ['await-ready', 'succeeded', 1],
      ['notify', 'succeeded', 1],
    ]);
    expect(done.steps.every((s) => typeof s.durationMs === 'number' && s.startedAt && s.finishedAt)).toBe(
      true,
    );

    const inCluster = (await kube.getTenant(slug))!;
    expect(inCluster.metadata.annotations?.[ANNOTATION_CORRELATION_ID]).toBe(`cs_test_${slug}`);
    expect(inCluster.spec.bindings.vault?.kind).toBe('aws-secrets-manager');
    expect(
      (inCluster.metadata.managedFields as { manager?: string }[] | undefined)?.map((f) => f.manager),
    ).toContain('cw-provisioner');

    const record = (await tdb.db.tenants.findById(tenant.id))!;
    expect(record.state).toBe('active');
    const history = await tdb.db.lifecycle.history(tenant.id);
    expect(history.at(-1)).toMatchObject({
      event: 'provisioning_succeeded',
      from: 'provisioning',
      to: 'active',
      correlationId: `cs_test_${slug}`,
    });

    const mails = await readOutbox(t.outboxDir, { to: `admin@${slug}.example.com` });
    expect(mails).toHaveLength(1);
    expect(mails[0]!.links).toContain(`https://${slug}.localtest.me`);

    const yaml = parse(await readFile(`${t.artifactsDir}/${slug}/tenant.yaml`, 'utf8'));
    expect(yaml.metadata.name).toBe(slug);
    const metrics = await provisioner.registry.getSingleMetricAsString(
      'cw_provisioning_step_duration_seconds',
    );
    expect(await provisioner.registry.metrics()).toMatch(
      /cw_provisioning_queue_jobs\{[^}]*state="completed"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(
      /cw_provisioning_step_duration_seconds_count\{[^}]*step="await-ready",goal="provision",outcome="succeeded"[^}]*\} [1-9]/,
    );
  });

  it('reports health changes after provisioning as health_changed events', async () => {
    const slug = operator.adopt(uniqueTenantName('health'));
    const tenant = await createTenant(tdb.db, slug, { cloud: { provider: 'local', region: 'local' } });
    const { run } = await admin.startRun({
      tenantId: tenant.id,
      goal: 'provision',
      correlationId: `cs_${slug}`,
      idempotencyKey: 'provision',
    });
    expect((await finished(run.id)).status).toBe('succeeded');
    await operator.setStatus(slug, false, 'engine-main: 0/1 replicas ready');
    const degraded = await eventually(
      async () => {
        const events = (await tdb.db.lifecycle.history(tenant.id)).filter(
          (e) => e.event === 'health_changed',
        );
        return events.find((e) => e.details?.degraded === true);
      },
      'a Degraded health event',
      10_000,
    );
    expect(degraded.details).toMatchObject({ ready: false, phase: 'Degraded' });
    expect(degraded.cause).toContain('engine-main: 0/1 replicas ready');
    expect((await tdb.db.tenants.findById(tenant.id))!.state).toBe('active');
  });

  it('await-ready times out with the last condition, the tenant is failed, and retry from the failed step finishes it', async () => {
    const slug = operator.adopt(uniqueTenantName('slow'));
    operator.hold.set(slug, 'cerebro: 0/2 replicas ready (ImagePullBackOff)');
    const tenant = await createTenant(tdb.db, slug, { cloud: { provider: 'local', region: 'local' } });
    const { run } = await admin.startRun({
      tenantId: tenant.id,
      goal: 'provision',
      correlationId: `cs_${slug}`,
      idempotencyKey: 'provision',
    });
    const failed = await finished(run.id);
    expect(failed.status).toBe('failed');
    const step = failed.steps.find((s) => s.step === 'await-ready')!;
    expect(step).toMatchObject({ status: 'failed', attempts: 1 });
    expect(step.error).toContain(
      'not Ready after 4 s: Degraded=True WorkloadsNotReady: cerebro: 0/2 replicas ready (ImagePullBackOff)',
    );
    expect((await tdb.db.tenants.findById(tenant.id))!.state).toBe('failed');

    operator.hold.delete(slug);
    await operator.setStatus(slug, true, 'all workloads ready');
    const retry = await admin.retryFromFailedStep(tenant.id, { kind: 'admin', subjectHash: 'sha256:0123' });
    expect(retry).toMatchObject({ runId: run.id, step: 'await-ready' });
    const done = await finished(run.id);
    expect(done.status).toBe('succeeded');
    expect(done.steps.find((s) => s.step === 'apply-tenant')!.attempts).toBe(1);
    expect((await tdb.db.tenants.findById(tenant.id))!.state).toBe('active');
    expect((await tdb.db.lifecycle.history(tenant.id)).map((e) => e.event)).toEqual([
      'provisioning_failed',
      'retry_requested',
      'provisioning_succeeded',
    ]);
  });

  it('plan change previews as a dry run, then applies; offboarding deletes the Tenant and marks the stack for destruction', async () => {
    const slug = operator.adopt(uniqueTenantName('life'));
    const tenant = await createTenant(tdb.db, slug);
    const { run } = await admin.startRun({
      tenantId: tenant.id,
      goal: 'provision',
      correlationId: `cs_${slug}`,
      idempotencyKey: 'provision',
    });
    expect((await finished(run.id)).status).toBe('succeeded');

    const record = (await tdb.db.tenants.findById(tenant.id))!;
    await tdb.db.tenants.updateSpec(tenant.id, { ...record.spec, plan: 'enterprise', seats: 40 });
    const preview = await admin.dryRun(tenant.id);
    expect(preview.kubernetes.changed).toContain(`platform.contextweaver.io/v1alpha1/Tenant/${slug}`);
    expect(preview.kubernetes.fields[`platform.contextweaver.io/v1alpha1/Tenant/${slug}`]).toEqual(
      expect.arrayContaining(['spec.plan', 'spec.seats']),
    );
    expect((await kube.getTenant(slug))!.spec.plan).toBe('team');

    const update = await admin.startRun({
      tenantId: tenant.id,
      goal: 'update',
      correlationId: 'sub_update_1',
      idempotencyKey: 'stripe:evt_1',
    });
    expect((await finished(update.run.id)).status).toBe('succeeded');
    const updated = (await kube.getTenant(slug))!;
    expect(updated.spec.plan).toBe('enterprise');
    expect(updated.metadata.generation).toBe(2);
    expect((await admin.dryRun(tenant.id)).kubernetes.changed).toEqual([]);

    await tdb.db.lifecycle.transition(tenant.id, 'offboard_started', {
      actor: { kind: 'system', reason: 'test' },
    });
    const off = await admin.startRun({
      tenantId: tenant.id,
      goal: 'offboard',
      correlationId: 'sub_deleted_1',
      idempotencyKey: 'offboard',
    });
    const offDone = await finished(off.run.id);
    expect(offDone.status).toBe('succeeded');
    expect(await kube.getTenant(slug)).toBeUndefined();
    expect((await tdb.db.tenants.findById(tenant.id))!.state).toBe('deleted');
    // Between the Tenant's deletion and the stack's: the purge, which says per place what became
    // of the data (a cloud tenant's: the stack's destroy, or not removed — never pretended).
    expect(offDone.steps.map((s) => [s.step, s.status])).toEqual([
      ['apply-tenant', 'succeeded'],
      ['purge-tenant-data', 'succeeded'],
      ['apply-infrastructure', 'succeeded'],
    ]);
    const purge = offDone.steps.find((s) => s.step === 'purge-tenant-data')!;
    expect(purge.message).toMatch(/^store .*; vault .*; knowledge /);
    expect(purge.message).not.toMatch(/: removed \(/);
    expect(JSON.parse(await readFile(`${t.artifactsDir}/${slug}/OFFBOARDED.json`, 'utf8'))).toMatchObject({
      slug,
      runId: off.run.id,
    });
    expect(
      JSON.parse(await readFile(`${t.artifactsDir}/${slug}/infra/DESTROY_REQUESTED.json`, 'utf8')),
    ).toMatchObject({ action: 'destroy', tenant: slug });
    expect(await readOutbox(t.outboxDir, { to: `admin@${slug}.example.com` })).toHaveLength(1);
  });
});
