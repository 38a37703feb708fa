// The data-plane secrets the render step seeds into the tenant vault: the real local vault
// backend (AES-256-GCM records in PostgreSQL on 127.0.0.1, master key file), the names cerebro
// and the engine read, never regenerated, never in a step output, artifact or log line.
import { createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGIONS } from '@cw/tenant-model';
import type { LocalVaultBackend } from '@cw/vault';
import { ARTIFACT } from './artifacts.js';
import { harness } from './fakes.spec-helper.js';
import { testLocalVault, type TestLocalVault } from './local-vault.spec-helper.js';
import {
  CEREBRO_FIRST_MANAGERS,
  CEREBRO_SESSION_KEY,
  ENGINE_AUDIT_SALT,
  engineSigningKeyName,
  engineSigningKeys,
  mountedFileName,
  nextEngineSigningKeyName,
  rotateEngineSigningKey,
  seedDataPlaneSecrets,
} from './tenant-secrets.js';
import { startRun } from './usecases/start-run.usecase.js';

let vault: TestLocalVault;
let secrets: TestLocalVault['secrets'];
beforeAll(() => {
  vault = testLocalVault('dps');
  secrets = vault.secrets;
});
afterAll(async () => vault?.close());

const read = async (slug: string, key: string) =>
  ((await secrets.openLocal(slug)) as unknown as LocalVaultBackend).readTenantSecret(key);

describe('data-plane secrets in the tenant vault', () => {
  it('creates the salt, the session key and a P-256 signing key once, and keeps them', async () => {
    const vault = await secrets.openLocal('acme');
    const first = await seedDataPlaneSecrets(vault);
    const signing = engineSigningKeyName(1);
    expect(first).toEqual({
      created: [ENGINE_AUDIT_SALT, CEREBRO_SESSION_KEY, CEREBRO_FIRST_MANAGERS, signing],
      kept: [],
    });
    // No admin e-mail (a Tenant applied by hand): the first-managers secret exists and names nobody.
    expect((await read('acme', CEREBRO_FIRST_MANAGERS))?.trim()).toBe('');
    const values = {
      salt: await read('acme', ENGINE_AUDIT_SALT),
      session: await read('acme', CEREBRO_SESSION_KEY),
      key: await read('acme', signing),
    };
    // What the engine refuses below 16 characters; what cerebro imports as ES256 PKCS#8.
    expect(values.salt).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(values.session!, 'base64')).toHaveLength(32);
    const key = createPrivateKey(values.key!);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');

    const again = await seedDataPlaneSecrets(vault);
    expect(again).toEqual({
      created: [],
      kept: [ENGINE_AUDIT_SALT, CEREBRO_SESSION_KEY, CEREBRO_FIRST_MANAGERS, signing],
    });
    expect({
      salt: await read('acme', ENGINE_AUDIT_SALT),
      session: await read('acme', CEREBRO_SESSION_KEY),
      key: await read('acme', signing),
    }).toEqual(values);
    // Another tenant gets its own values.
    await seedDataPlaneSecrets(await secrets.openLocal('globex'));
    expect(await read('globex', ENGINE_AUDIT_SALT)).not.toBe(values.salt);
  });

  it('rotation adds the next signing key; name order is age order and the files match cerebro', async () => {
    const vault = await secrets.openLocal('rotor');
    await seedDataPlaneSecrets(vault);
    const names = [engineSigningKeyName(1)];
    for (let i = 0; i < 10; i++) names.push(await rotateEngineSigningKey(vault));
    expect(names.at(-1)).toBe('engine-signing-0011');
    // Cerebro signs with the last file by name (token-mint.ts): lexical order must be age order.
    const files = names.map(mountedFileName);
    expect([...files].sort()).toEqual(files);
    for (const f of files) expect(f).toMatch(/^engine-signing-[\w.-]+\.pem$/);
    expect(mountedFileName(ENGINE_AUDIT_SALT)).toBe(ENGINE_AUDIT_SALT);
    expect(await read('rotor', names[0]!)).not.toBe(await read('rotor', names.at(-1)!));
    // A later seed keeps every key.
    expect((await seedDataPlaneSecrets(vault)).created).toEqual([]);
  });

  it('finds the keys by listing, so nothing depends on engine-signing-0001 still existing', async () => {
    const vault = await secrets.openLocal('gapped');
    await seedDataPlaneSecrets(vault);
    const second = await rotateEngineSigningKey(vault);
    expect(second).toBe('engine-signing-0002');
    // The first key retired and deleted: the vault holds 0002 only.
    expect(await vault.deleteTenantSecret(engineSigningKeyName(1), 'test')).toBe(true);
    expect(await engineSigningKeys(vault)).toEqual(['engine-signing-0002']);
    // A later seed neither recreates 0001 nor adds a key; rotation continues after the newest.
    const again = await seedDataPlaneSecrets(vault);
    expect(again.created).toEqual([]);
    expect(again.kept).toContain('engine-signing-0002');
    expect(await vault.hasTenantSecret(engineSigningKeyName(1))).toBe(false);
    expect(await rotateEngineSigningKey(vault)).toBe('engine-signing-0003');
    expect(nextEngineSigningKeyName(['engine-signing-0009', 'engine-signing-0010'])).toBe(
      'engine-signing-0011',
    );
    expect(nextEngineSigningKeyName([])).toBe('engine-signing-0001');
  });

  it('creates every signing key the Tenant lists, and deletes the unlisted ones only when retiring', async () => {
    const vault = await secrets.openLocal('listed');
    await seedDataPlaneSecrets(vault);
    const listed = ['engine-signing-0001', 'engine-signing-0002'];
    const rotated = await seedDataPlaneSecrets(vault, { signingKeys: listed });
    expect(rotated.created).toEqual(['engine-signing-0002']);
    expect(await engineSigningKeys(vault)).toEqual(listed);
    // Seeding with a shorter list keeps what is not listed (render happens before the rollout)…
    const kept = await seedDataPlaneSecrets(vault, { signingKeys: ['engine-signing-0002'] });
    expect(kept.created).toEqual([]);
    expect(kept.deleted).toBeUndefined();
    expect(await engineSigningKeys(vault)).toEqual(listed);
    // …only the retire step (after the rollout) deletes it, and says which.
    const retired = await seedDataPlaneSecrets(vault, {
      signingKeys: ['engine-signing-0002'],
      retireUnlisted: true,
    });
    expect(retired).toMatchObject({ created: [], deleted: ['engine-signing-0001'] });
    expect(retired.kept).toContain('engine-signing-0002');
    expect(await engineSigningKeys(vault)).toEqual(['engine-signing-0002']);
    await expect(seedDataPlaneSecrets(vault, { retireUnlisted: true })).rejects.toThrow(
      /needs the signing keys/,
    );
    await expect(seedDataPlaneSecrets(vault, { signingKeys: ['engine-signing-x'] })).rejects.toThrow(
      /not an engine signing key name/,
    );
  });

  it('a cloud vault is not written unless DATA_PLANE_SECRETS=all, and says so', async () => {
    const result = await secrets.seed({
      apiVersion: 'platform.contextweaver.io/v1alpha1',
      kind: 'Tenant',
      metadata: { name: 'cloudy' },
      spec: {
        cloud: { provider: 'aws', region: REGIONS.aws[0]! },
        bindings: {
          vault: {
            kind: 'aws-secrets-manager',
            uri: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cw/tenants/cloudy/',
          },
        },
      },
    } as never);
    expect(result).toEqual({ skipped: expect.stringMatching(/aws-secrets-manager.*DATA_PLANE_SECRETS=all/) });
  });

  it('the render step seeds a local tenant before writing its manifests; no value in output or artifacts', async () => {
    const h = harness({ cluster: false, overrides: { secrets } });
    const tenant = h.store.addTenant({
      slug: 'rendered',
      cloud: { provider: 'local', region: REGIONS.local[0]! },
    });
    const { run } = await startRun(h.deps, {
      tenantId: tenant.id,
      goal: 'provision',
      correlationId: 'corr',
      idempotencyKey: 'provision',
    });
    await h.queue.drain(h.runner);
    const r = (await h.store.getRun(run.id))!;
    const render = r.steps.find((s) => s.step === 'render-tenant')!;
    expect(render).toMatchObject({
      status: 'succeeded',
      output: {
        secrets: {
          created: [ENGINE_AUDIT_SALT, CEREBRO_SESSION_KEY, CEREBRO_FIRST_MANAGERS, engineSigningKeyName(1)],
          kept: [],
        },
      },
    });
    expect(render.message).toContain('vault secrets created: engine-audit-salt');
    const values = await Promise.all(
      [ENGINE_AUDIT_SALT, CEREBRO_SESSION_KEY, engineSigningKeyName(1)].map((k) => read('rendered', k)),
    );
    const keyBody = values[2]!.split('\n')[1]!;
    // The customer admin (from sign-up) is the workspace's first manager, kept in the vault only.
    expect(await read('rendered', CEREBRO_FIRST_MANAGERS)).toBe(tenant.adminEmail);
    const written = listFiles(h.artifacts.root).map((f) => readFileSync(f, 'utf8'));
    expect(written.length).toBeGreaterThan(3);
    for (const text of [...written, JSON.stringify(r)])
      for (const v of [values[0]!, values[1]!, keyBody]) expect(text).not.toContain(v);
    for (const text of written) expect(text).not.toContain(tenant.adminEmail);
    expect(await h.artifacts.read('rendered', ARTIFACT.tenant)).toBeDefined();
  });
});

function listFiles(d: string): string[] {
  return readdirSync(d, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}
