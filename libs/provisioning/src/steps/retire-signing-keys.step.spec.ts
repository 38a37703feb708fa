// Engine signing-key rotation through the pipeline, on the real local vault (AES-256-GCM records
// in PostgreSQL on 127.0.0.1): a Tenant listing [old, new] gets the new key created by
// render-tenant before anything is applied, and keeps both; once the desired spec lists only the
// new key, the update run's retire-signing-keys step deletes the old key — after await-ready saw
// that Tenant Ready, never in a render-only run (nobody knows when that Tenant is applied).
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGIONS, type Tenant, type TenantSpecInput } from '@cw/tenant-model';
import { ARTIFACT } from '../artifacts.js';
import { harness } from '../fakes.spec-helper.js';
import { testLocalVault, type TestLocalVault } from '../local-vault.spec-helper.js';
import { engineSigningKeys } from '../tenant-secrets.js';
import { startRun } from '../usecases/start-run.usecase.js';

let vault: TestLocalVault;
let secrets: TestLocalVault['secrets'];
beforeAll(() => {
  vault = testLocalVault('rsk');
  secrets = vault.secrets;
});
afterAll(async () => vault?.close());

/** A local tenant whose vault binding is the `kubernetes` kind: the local vault the provisioner writes. */
const vaultBinding = (slug: string, signingKeys?: string[]) =>
  ({
    vault: { kind: 'kubernetes', uri: `tenant-${slug}-vault`, ...(signingKeys && { signingKeys }) },
  }) as TenantSpecInput['bindings'];

/** The signing-key files the rendered vault-mount objects (ExternalSecret) give cerebro and the engines. */
async function mountedKeys(h: ReturnType<typeof harness>, slug: string) {
  const out = { cerebro: [] as string[], engines: [] as string[] };
  for (const file of await h.artifacts.list(slug, ARTIFACT.manifestsDir)) {
    const text = (await h.artifacts.read(slug, `${ARTIFACT.manifestsDir}/${file}`))!;
    const object = parse(text) as { kind: string; metadata: { name: string } };
    const keys = [...text.matchAll(/engine-signing-\d{4}\.pem/g)].map((m) => m[0]);
    if (!keys.length) continue;
    expect(object.kind).not.toBe('ConfigMap');
    (object.metadata.name.startsWith('cerebro') ? out.cerebro : out.engines).push(...new Set(keys));
  }
  out.cerebro.sort();
  return out;
}

async function update(h: ReturnType<typeof harness>, tenantId: string, key: string) {
  const { run } = await startRun(h.deps, {
    tenantId,
    goal: 'update',
    correlationId: key,
    idempotencyKey: key,
  });
  await h.queue.drain(h.runner);
  return (await h.store.getRun(run.id))!;
}

describe('retire-signing-keys', () => {
  it('rotate → both keys listed and in the vault; retire → the old key leaves the spec, then the vault', async () => {
    const h = harness({ overrides: { secrets } });
    const slug = 'rotating';
    const tenant = h.store.addTenant(
      { slug, cloud: { provider: 'local', region: REGIONS.local[0]! } },
      'active',
    );
    h.store.setSpec(tenant.id, { bindings: vaultBinding(slug, ['engine-signing-0001']) });
    const first = await update(h, tenant.id, 'v1');
    expect(first.status).toBe('succeeded');
    const vault = await secrets.openLocal(slug);
    expect(await engineSigningKeys(vault)).toEqual(['engine-signing-0001']);

    // Rotate: the desired spec lists old + new; render creates the new key before the apply.
    h.store.setSpec(tenant.id, {
      bindings: vaultBinding(slug, ['engine-signing-0001', 'engine-signing-0002']),
    });
    const rotate = await update(h, tenant.id, 'v2');
    expect(rotate.status).toBe('succeeded');
    expect(rotate.steps.find((s) => s.step === 'render-tenant')?.output).toMatchObject({
      secrets: { created: ['engine-signing-0002'] },
    });
    expect(rotate.steps.find((s) => s.step === 'retire-signing-keys')).toMatchObject({
      status: 'skipped',
      message: expect.stringContaining('no retired signing key'),
    });
    expect(await engineSigningKeys(vault)).toEqual(['engine-signing-0001', 'engine-signing-0002']);
    const applied = h.cluster!.applied.at(-1)!;
    expect(applied.spec.bindings.vault?.signingKeys).toEqual(['engine-signing-0001', 'engine-signing-0002']);
    // What the chart mounts comes from that list: both keys in cerebro's vault mount, no engine's.
    expect(await mountedKeys(h, slug)).toEqual({
      cerebro: ['engine-signing-0001.pem', 'engine-signing-0002.pem'],
      engines: [],
    });

    // Retire: the spec lists the new key only; the run applies that, waits for Ready, then deletes.
    h.store.setSpec(tenant.id, { bindings: vaultBinding(slug, ['engine-signing-0002']) });
    const retire = await update(h, tenant.id, 'v3');
    expect(retire.status).toBe('succeeded');
    const step = retire.steps.find((s) => s.step === 'retire-signing-keys')!;
    expect(step).toMatchObject({ status: 'succeeded', output: { deleted: ['engine-signing-0001'] } });
    expect(step.message).toBe('deleted from the vault: engine-signing-0001');
    expect(await engineSigningKeys(vault)).toEqual(['engine-signing-0002']);
    const tenantYaml = parse((await h.artifacts.read(slug, ARTIFACT.tenant))!) as Tenant;
    expect(tenantYaml.spec.bindings.vault?.signingKeys).toEqual(['engine-signing-0002']);
    expect(await mountedKeys(h, slug)).toEqual({ cerebro: ['engine-signing-0002.pem'], engines: [] });
    // Keys are values: none in the step rows.
    expect(JSON.stringify(retire)).not.toContain('PRIVATE KEY');

    // Repeating the run deletes nothing more and does not bring 0001 back.
    const again = await update(h, tenant.id, 'v4');
    expect(again.steps.find((s) => s.step === 'retire-signing-keys')?.status).toBe('skipped');
    expect(await engineSigningKeys(vault)).toEqual(['engine-signing-0002']);
  });

  it('render-only: the old key is unlisted but stays in the vault, and the step says why', async () => {
    const h = harness({ cluster: false, overrides: { secrets } });
    const slug = 'rendering';
    const tenant = h.store.addTenant(
      { slug, cloud: { provider: 'local', region: REGIONS.local[0]! } },
      'active',
    );
    h.store.setSpec(tenant.id, {
      bindings: vaultBinding(slug, ['engine-signing-0001', 'engine-signing-0002']),
    });
    await update(h, tenant.id, 'v1');
    h.store.setSpec(tenant.id, { bindings: vaultBinding(slug, ['engine-signing-0002']) });
    const run = await update(h, tenant.id, 'v2');
    expect(run.steps.find((s) => s.step === 'retire-signing-keys')).toMatchObject({
      status: 'skipped',
      message: expect.stringContaining('rollout was not confirmed'),
    });
    expect(await engineSigningKeys(await secrets.openLocal(slug))).toEqual([
      'engine-signing-0001',
      'engine-signing-0002',
    ]);
  });

  it('a Tenant without signingKeys (never rotated) deletes nothing', async () => {
    const h = harness({ overrides: { secrets } });
    const slug = 'unrotated';
    const tenant = h.store.addTenant(
      { slug, cloud: { provider: 'local', region: REGIONS.local[0]! } },
      'active',
    );
    h.store.setSpec(tenant.id, { bindings: vaultBinding(slug) });
    const run = await update(h, tenant.id, 'v1');
    expect(run.steps.find((s) => s.step === 'retire-signing-keys')).toMatchObject({
      status: 'skipped',
      message: 'the Tenant lists no signing keys: nothing was rotated',
    });
    expect(await engineSigningKeys(await secrets.openLocal(slug))).toEqual(['engine-signing-0001']);
  });
});
