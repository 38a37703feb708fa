import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  ANNOTATION_CORRELATION_ID,
  ANNOTATION_ONBOARDING_CORRELATION_ID,
  ANNOTATION_ONBOARDING_SINCE,
  GOAL_STEPS,
  PROVISIONING_STEPS,
  workspaceUrlFrom,
  type ProvisioningGoal,
} from '@cw/tenant-model';
import { ARTIFACT } from './artifacts.js';
import { MissingStepHandlerError, PermanentStepError } from './errors.js';
import { harness, type Harness } from './fakes.spec-helper.js';
import { createStepHandlers, createStepRunner } from './pipeline.js';
import type { ProvisioningTenant } from './ports.js';
import { startRun } from './usecases/start-run.usecase.js';
import { retryFromFailedStep } from './usecases/retry-from-failed-step.usecase.js';

async function run(
  h: Harness,
  tenant: ProvisioningTenant,
  goal: ProvisioningGoal = 'provision',
  key: string = goal,
) {
  const { run } = await startRun(h.deps, {
    tenantId: tenant.id,
    goal,
    correlationId: `corr-${goal}`,
    idempotencyKey: key,
  });
  await h.queue.drain(h.runner);
  return (await h.store.getRun(run.id))!;
}

const statuses = (r: { steps: readonly { step: string; status: string }[] }) =>
  Object.fromEntries(r.steps.map((s) => [s.step, s.status]));

describe('step registry', () => {
  it('refuses to start when a step has no handler', () => {
    const h = harness();
    const handlers = createStepHandlers(h.deps).filter((s) => s.name !== 'await-ready');
    expect(() => createStepRunner(h.deps, handlers)).toThrow(MissingStepHandlerError);
    expect(() => createStepRunner(h.deps, handlers)).toThrow(/await-ready/);
    expect(createStepHandlers(h.deps).map((s) => s.name)).toEqual([...PROVISIONING_STEPS]);
  });
});

describe('provision', () => {
  it('runs every step, records each, and leaves the tenant active with one welcome e-mail', async () => {
    const h = harness();
    const tenant = h.store.addTenant({ slug: 'acme' });
    const r = await run(h, tenant);
    expect(r.status).toBe('succeeded');
    expect(statuses(r)).toEqual(Object.fromEntries(GOAL_STEPS.provision.map((s) => [s, 'succeeded'])));
    expect(r.steps.every((s) => s.attempts === 1 && s.durationMs !== undefined)).toBe(true);
    expect(h.store.tenants.get(tenant.id)!.state).toBe('active');
    expect(h.store.events.map((e) => e.event)).toEqual(['provisioning_succeeded']);
    expect(h.notifier.sent).toHaveLength(1);
    expect(h.notifier.sent[0]!.message.url).toBe('https://acme.contextweaver.app');

    // Artifacts: the stack, the gitops marker, the Tenant (with bindings and the correlation id) and its manifests.
    expect(await h.artifacts.read('acme', 'infra/cdk.tf.json')).toContain('"resource"');
    expect(JSON.parse((await h.artifacts.read('acme', ARTIFACT.applyMarker))!)).toMatchObject({
      action: 'apply',
      tenant: 'acme',
    });
    const yaml = parse((await h.artifacts.read('acme', ARTIFACT.tenant))!);
    expect(yaml.metadata.annotations[ANNOTATION_CORRELATION_ID]).toBe('corr-provision');
    expect(yaml.spec.bindings.vault.kind).toBe('aws-secrets-manager');
    expect((await h.artifacts.list('acme', 'manifests')).length).toBeGreaterThan(5);
    expect(h.cluster!.tenants.get('acme')!.spec.bindings.vault?.uri).toContain('cw/tenants/acme');

    // Durations land in the histogram, labelled by step, goal and outcome.
    const metric = await h.registry.getSingleMetricAsString('cw_provisioning_step_duration_seconds');
    expect(metric).toContain('step="await-ready",goal="provision",outcome="succeeded"');
  });

  it('starts the onboarding clock once, at the provision run (checkout), and keeps it: engines get it, later runs roll nothing', async () => {
    const h = harness();
    const tenant = h.store.addTenant({ slug: 'acme', engines: [{ name: 'main', plugins: ['github'] }] });
    const first = await run(h, tenant);
    const record = JSON.parse((await h.artifacts.read('acme', ARTIFACT.onboarding))!);
    expect(record).toEqual({
      tenantId: tenant.id,
      correlationId: 'corr-provision',
      since: first.createdAt.toISOString(),
    });
    const annotations = async () =>
      parse((await h.artifacts.read('acme', ARTIFACT.tenant))!).metadata.annotations;
    expect(await annotations()).toMatchObject({
      [ANNOTATION_ONBOARDING_CORRELATION_ID]: 'corr-provision',
      [ANNOTATION_ONBOARDING_SINCE]: first.createdAt.toISOString(),
    });
    const engines = async () => {
      const files = (await h.artifacts.list('acme', 'manifests')).filter((f) =>
        f.includes('deployment-engine-'),
      );
      return Promise.all(files.map(async (f) => parse((await h.artifacts.read('acme', `manifests/${f}`))!)));
    };
    const before = await engines();
    expect(before.length).toBeGreaterThan(0);
    for (const d of before)
      expect(d.spec.template.spec.containers[0].env).toEqual(
        expect.arrayContaining([
          { name: 'CW_ONBOARDING_CORRELATION_ID', value: 'corr-provision' },
          { name: 'CW_ONBOARDING_SINCE', value: first.createdAt.toISOString() },
        ]),
      );
    // A later run (its own correlation id) keeps the record, the annotations and the engines' pods.
    await run(h, (await h.store.getTenant(tenant.id))!, 'update', 'u1');
    expect(JSON.parse((await h.artifacts.read('acme', ARTIFACT.onboarding))!)).toEqual(record);
    expect(await annotations()).toMatchObject({
      [ANNOTATION_CORRELATION_ID]: 'corr-update',
      [ANNOTATION_ONBOARDING_SINCE]: first.createdAt.toISOString(),
    });
    expect(await engines()).toEqual(before);
  });

  it('starts no onboarding clock for a tenant whose first run here is not a provision, and a new one for a new tenant of a re-used slug', async () => {
    const h = harness();
    const old = h.store.addTenant({ slug: 'reused' }, 'active');
    await run(h, old, 'update', 'u1');
    expect(await h.artifacts.read('reused', ARTIFACT.onboarding)).toBeUndefined();
    const tenantYaml = parse((await h.artifacts.read('reused', ARTIFACT.tenant))!);
    expect(tenantYaml.metadata.annotations[ANNOTATION_ONBOARDING_SINCE]).toBeUndefined();
    // The old tenant's record (as if it had been provisioned here), then a new tenant of the slug.
    const stale = { tenantId: old.id, correlationId: 'gone', since: '2026-01-01T00:00:00.000Z' };
    await h.artifacts.write('reused', ARTIFACT.onboarding, JSON.stringify(stale));
    h.store.tenants.delete(old.id);
    const next = h.store.addTenant({ slug: 'reused' });
    await run(h, next);
    expect(JSON.parse((await h.artifacts.read('reused', ARTIFACT.onboarding))!)).toMatchObject({
      tenantId: next.id,
      correlationId: 'corr-provision',
    });
  });

  it('skips the infrastructure of a local tenant, saying why', async () => {
    const h = harness();
    const tenant = h.store.addTenant({ slug: 'homelab', cloud: { provider: 'local', region: 'local' } });
    const r = await run(h, tenant);
    expect(r.status).toBe('succeeded');
    for (const step of ['synthesize-infrastructure', 'apply-infrastructure'] as const) {
      const s = r.steps.find((x) => x.step === step)!;
      expect(s.status).toBe('skipped');
      expect(s.message).toBe('cloud provider "local" has no cloud stack');
    }
    expect(await h.artifacts.list('homelab', 'infra')).toEqual([]);
  });

  it('without a cluster, renders only: provisioned (render-only) with the kubectl command', async () => {
    const h = harness({ cluster: false });
    const tenant = h.store.addTenant({ slug: 'offline' });
    const r = await run(h, tenant);
    const apply = r.steps.find((s) => s.step === 'apply-tenant')!;
    expect(apply.message).toMatch(
      /^provisioned \(render-only\): kubectl apply --server-side -f .*offline\/tenant\.yaml$/,
    );
    expect(r.steps.find((s) => s.step === 'await-ready')).toMatchObject({
      status: 'skipped',
      message: 'no cluster configured (render-only)',
    });
    const event = h.store.events.at(-1)!;
    expect(event.event).toBe('provisioning_succeeded');
    expect(event.request.detail).toMatchObject({ mode: 'render-only', note: 'provisioned (render-only)' });
  });

  it('re-running a finished pipeline changes nothing', async () => {
    const h = harness();
    const tenant = h.store.addTenant({ slug: 'again' });
    const first = await run(h, tenant);
    const applied = h.cluster!.applied.length;
    // The same job delivered again (a duplicate enqueue after completion) is ignored.
    const result = await h.runner.execute({
      data: {
        tenantId: tenant.id,
        slug: 'again',
        runId: first.id,
        goal: 'provision',
        step: 'apply-tenant',
        correlationId: 'x',
      },
      attemptsMade: 0,
      maxAttempts: 5,
    });
    expect(result).toMatchObject({ status: 'ignored' });
    // And startRun with the same idempotency key returns the finished run.
    const again = await run(h, tenant);
    expect(again.id).toBe(first.id);
    expect(h.cluster!.applied.length).toBe(applied);
    expect(h.notifier.sent).toHaveLength(1);
  });

  it('a step already recorded as done only repeats its hand-off', async () => {
    const h = harness();
    const tenant = h.store.addTenant({ slug: 'dup' });
    const r = await run(h, tenant);
    h.store.runs.get(r.id)!.status = 'running'; // as if the worker died before closing the run
    const result = await h.runner.execute({
      data: {
        tenantId: tenant.id,
        slug: 'dup',
        runId: r.id,
        goal: 'provision',
        step: 'notify',
        correlationId: 'c',
      },
      attemptsMade: 0,
      maxAttempts: 5,
    });
    expect(result).toEqual({ status: 'already-done', runFinished: true });
    expect(h.notifier.sent).toHaveLength(1);
    expect(h.store.events.filter((e) => e.event === 'provisioning_succeeded')).toHaveLength(1);
  });
});

describe('failures', () => {
  it('retries with a bounded attempt count, then leaves the tenant failed with step, attempts and error on the step row', async () => {
    let calls = 0;
    const h = harness({
      overrides: {
        renderer: {
          render: async () => {
            calls++;
            throw new Error('renderer exploded');
          },
        },
      },
    });
    const tenant = h.store.addTenant({ slug: 'broken' });
    const r = await run(h, tenant);
    expect(calls).toBe(5);
    expect(r.status).toBe('failed');
    expect(r.steps.find((s) => s.step === 'render-tenant')).toMatchObject({
      status: 'failed',
      attempts: 5,
      error: 'renderer exploded',
    });
    expect(r.steps.find((s) => s.step === 'apply-tenant')).toMatchObject({ status: 'pending' });
    expect(h.store.tenants.get(tenant.id)!.state).toBe('failed');
    expect(h.store.events.at(-1)).toMatchObject({
      event: 'provisioning_failed',
      request: { detail: { step: 'render-tenant', attempts: 5, error: 'renderer exploded' } },
    });
  });

  it('retry from the failed step resumes there and does not repeat earlier steps', async () => {
    let fail = true;
    const h = harness();
    const real = h.deps.renderer;
    const flaky = harness({
      overrides: {
        renderer: { render: (t) => (fail ? Promise.reject(new Error('not yet')) : real.render(t)) },
      },
    });
    const tenant = flaky.store.addTenant({ slug: 'flaky' });
    const failed = await run(flaky, tenant);
    expect(failed.status).toBe('failed');
    const synthAttempts = failed.steps.find((s) => s.step === 'synthesize-infrastructure')!.attempts;
    fail = false;
    const retry = await retryFromFailedStep(flaky.deps, tenant.id, {
      kind: 'admin',
      subjectHash: 'sha256:abc',
    });
    expect(retry).toMatchObject({ runId: failed.id, step: 'render-tenant', goal: 'provision' });
    expect(flaky.store.tenants.get(tenant.id)!.state).toBe('provisioning');
    await flaky.queue.drain(flaky.runner);
    const done = (await flaky.store.getRun(failed.id))!;
    expect(done.status).toBe('succeeded');
    expect(done.steps.find((s) => s.step === 'synthesize-infrastructure')!.attempts).toBe(synthAttempts);
    expect(flaky.store.tenants.get(tenant.id)!.state).toBe('active');
    expect(flaky.store.events.map((e) => e.event)).toEqual([
      'provisioning_failed',
      'retry_requested',
      'provisioning_succeeded',
    ]);
    await expect(retryFromFailedStep(flaky.deps, tenant.id)).rejects.toThrow(/nothing to retry.*succeeded/);
  });

  it('a failed hand-off fails the job, not the step: the retry only repeats the hand-off', async () => {
    const h = harness();
    const enqueue = h.queue.enqueue.bind(h.queue);
    let refuse = 1;
    h.queue.enqueue = async (data) => {
      if (data.step === 'apply-tenant' && refuse-- > 0) throw new Error('redis unavailable');
      return enqueue(data);
    };
    const tenant = h.store.addTenant({ slug: 'handoff' });
    const r = await run(h, tenant);
    expect(r.status).toBe('succeeded');
    expect(r.steps.find((s) => s.step === 'render-tenant')).toMatchObject({
      status: 'succeeded',
      attempts: 1,
    });
  });

  it("await-ready times out with the operator's last condition message, without retrying", async () => {
    const h = harness({ awaitReadyTimeoutMs: 100 });
    h.cluster!.operator = { ready: false, message: 'cerebro: 0/2 replicas ready (ImagePullBackOff)' };
    const tenant = h.store.addTenant({ slug: 'slow' });
    const r = await run(h, tenant);
    const step = r.steps.find((s) => s.step === 'await-ready')!;
    expect(step).toMatchObject({ status: 'failed', attempts: 1 });
    expect(step.error).toMatch(
      /not Ready after 0 s: Ready=False WorkloadsNotReady: cerebro: 0\/2 replicas ready \(ImagePullBackOff\)/,
    );
    expect(h.store.tenants.get(tenant.id)!.state).toBe('failed');
  });

  it('an invalid tenant fails at once (permanent), naming the field', async () => {
    const h = harness();
    const tenant = h.store.addTenant({ slug: 'bad', seats: 100000 });
    const r = await run(h, tenant);
    const s = r.steps.find((x) => x.step === 'synthesize-infrastructure')!;
    expect(s).toMatchObject({ status: 'failed', attempts: 1 });
    expect(s.error).toMatch(/spec\.seats/);
    expect(PermanentStepError.name).toBe('PermanentStepError');
  });
});

describe('other goals reuse the steps', () => {
  it('plan change, suspend, resume and offboard', async () => {
    const h = harness();
    const tenant = h.store.addTenant({ slug: 'life' });
    await run(h, tenant);

    h.store.setSpec(tenant.id, { plan: 'enterprise', seats: 40 });
    const update = await run(h, (await h.store.getTenant(tenant.id))!, 'update', 'u1');
    expect(update.status).toBe('succeeded');
    expect(h.cluster!.tenants.get('life')!.spec.plan).toBe('enterprise');
    expect(h.cluster!.tenants.get('life')!.metadata.generation).toBe(2);

    h.store.setState(tenant.id, 'suspended');
    await run(h, (await h.store.getTenant(tenant.id))!, 'suspend', 's1');
    expect(h.cluster!.tenants.get('life')!.spec.suspended).toBe(true);

    h.store.setState(tenant.id, 'active');
    await run(h, (await h.store.getTenant(tenant.id))!, 'resume', 'r1');
    expect(h.cluster!.tenants.get('life')!.spec.suspended).toBe(false);

    h.store.setState(tenant.id, 'offboarding');
    const off = await run(h, (await h.store.getTenant(tenant.id))!, 'offboard', 'o1');
    expect(off.status).toBe('succeeded');
    expect(h.cluster!.tenants.has('life')).toBe(false);
    expect(await h.artifacts.read('life', ARTIFACT.applyMarker)).toBeUndefined();
    expect(JSON.parse((await h.artifacts.read('life', ARTIFACT.destroyMarker))!)).toMatchObject({
      action: 'destroy',
    });
    expect(h.store.tenants.get(tenant.id)!.state).toBe('deleted');
    expect(h.notifier.sent).toHaveLength(1);
    expect(await readFile(h.artifacts.path('life', 'tenant.yaml'), 'utf8')).toContain('plan: enterprise');
  });
});

describe('welcome e-mail', () => {
  it("links the deployment's own workspace URL when one is configured (npm start's local data plane)", async () => {
    const h = harness({
      overrides: { workspaceUrl: workspaceUrlFrom('http://{slug}.localtest.me:3080') },
    });
    const tenant = h.store.addTenant({ slug: 'acme' });
    expect((await run(h, tenant)).status).toBe('succeeded');
    expect(h.notifier.sent[0]!.message.url).toBe('http://acme.localtest.me:3080');
  });
});
