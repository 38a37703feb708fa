// Engine signing-key rotation with the real parts: the control plane's use case (PostgreSQL,
// BullMQ on Redis) starts the runs, the provisioner runs as its own process against kube-local
// (server-side apply of the Tenant through the CRD's schema) and writes the local vault (records
// in PostgreSQL), a stand-in reports the Tenant Ready as the operator would. Rotate → the Tenant in
// the cluster lists old + new and both keys are in the vault; retire is refused until the rotation
// was rolled out and 660 s passed; then the Tenant lists the new key only and the update run's
// retire-signing-keys step has deleted the old key from the vault.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  ProvisioningDispatcher,
  SigningKeysUseCase,
  TransitionTenantUseCase,
  noMetrics,
} from '@cw/control-plane';
import { openDatabase, type Database } from '@cw/db';
import { TEST_DATABASE_URL, uniqueSchemaName } from '@cw/db/testing';
import { KubeClient } from '@cw/k8s-client';
import { createLogger } from '@cw/observability';
import { VaultDataPlaneSecrets, engineSigningKeys } from '@cw/provisioning';
import { BullmqProvisioningQueue } from '@cw/provisioning/queue';
import { StandInOperator, testKubeconfigPath } from '@cw/testing/kube';
import { eventually, startProcess, type PlatformProcess } from '@cw/testing/processes';
import { REGIONS, TENANT_API_VERSION, parseTenant, sampleTenant, type Tenant } from '@cw/tenant-model';

const RUN = randomBytes(3).toString('hex');
const slug = `rot-${RUN}`;
const schema = uniqueSchemaName('rotation');
const prefix = `cwrot-${RUN}`;
let workDir: string;
let db: Database;
let redis: Redis;
let queue: BullmqProvisioningQueue;
let provisioner: PlatformProcess;
let operator: StandInOperator;
let kube: KubeClient;
let keys: SigningKeysUseCase;
let vault: VaultDataPlaneSecrets;
let offsetMs = 0;
const admin = {
  actor: { kind: 'admin' as const, subjectHash: 'sha256:0123456789abcdef' },
  correlationId: '',
};

beforeAll(async () => {
  const kubeconfig = testKubeconfigPath();
  workDir = await mkdtemp(join(tmpdir(), 'cw-rotation-'));
  db = await openDatabase({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  queue = new BullmqProvisioningQueue({ connection: redis, prefix });
  const logger = createLogger({ name: 'rotation-test', level: 'silent' });
  const transitions = new TransitionTenantUseCase(
    db,
    new ProvisioningDispatcher(db, queue, logger),
    noMetrics,
  );
  keys = new SigningKeysUseCase(
    db,
    transitions,
    async () => undefined,
    () => new Date(Date.now() + offsetMs),
  );
  vault = new VaultDataPlaneSecrets({
    vaultDir: join(workDir, 'vault'),
    database: { url: TEST_DATABASE_URL, schema },
  });
  kube = KubeClient.fromKubeconfig(kubeconfig);
  operator = new StandInOperator(kubeconfig);
  operator.adopt(slug);
  await operator.start();
  provisioner = startProcess('provisioner', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    KUBECONFIG: kubeconfig,
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL: 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: prefix,
    ARTIFACTS_DIR: join(workDir, 'tenants'),
    MAIL_OUTBOX_DIR: join(workDir, 'outbox'),
    VAULT_DIR: join(workDir, 'vault'),
    AWAIT_READY_TIMEOUT_MS: '60000',
  });
  await eventually(
    async () => /provisioner ready/.test(provisioner.output()) || (!provisioner.alive() && 'dead'),
    'the provisioner to start',
    120_000,
  );
  expect(provisioner.alive(), provisioner.output().slice(-2000)).toBe(true);
}, 180_000);

afterAll(async () => {
  await provisioner?.stop();
  await operator?.stop();
  await kube
    ?.deleteObject({ apiVersion: TENANT_API_VERSION, kind: 'Tenant', metadata: { name: slug } })
    .catch(() => undefined);
  await queue?.queue.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  redis?.disconnect();
  await vault?.close();
  await db?.dropSchema().catch(() => undefined);
  await db?.close();
  await rm(workDir, { recursive: true, force: true });
});

const runDone = (runId: string) =>
  eventually(
    async () => {
      const run = await db.runs.getWithSteps(runId);
      return run.status === 'succeeded' || run.status === 'failed' ? run : false;
    },
    `run ${runId} to finish`,
    120_000,
  );
const inCluster = async (): Promise<Tenant> => (await kube.getTenant(slug))!;
const vaultKeys = async () => engineSigningKeys(await vault.openLocal(slug));

describe('engine signing-key rotation on kube-local', () => {
  it('rotate → mounted and in the vault; retire → out of the Tenant, then out of the vault', async () => {
    const spec = parseTenant(
      sampleTenant({
        name: slug,
        spec: {
          hostname: `${slug}.localtest.me`,
          displayName: `Rotation ${RUN}`,
          cloud: { provider: 'local', region: REGIONS.local[0]! },
          // The local cloud's vault kind: the provisioner's local vault, as npm start's cluster mode uses.
          bindings: { vault: { kind: 'kubernetes', uri: `tenant-${slug}-vault` } },
        },
      }),
    ).spec;
    const tenant = await db.tenants.create({
      slug,
      spec,
      adminEmail: `admin@${slug}.example.com`,
      correlationId: `cs_${slug}`,
      billingMode: 'trial',
      state: 'active',
    });

    const rotated = await keys.rotate(slug, { reason: 'e2e' }, { ...admin, correlationId: `rot-${RUN}` });
    expect(rotated.keys).toEqual(['engine-signing-0001', 'engine-signing-0002']);
    const first = await runDone(rotated.run!.id);
    expect(first.status, provisioner.output().slice(-3000)).toBe('succeeded');
    expect((await inCluster()).spec.bindings.vault?.signingKeys).toEqual([
      'engine-signing-0001',
      'engine-signing-0002',
    ]);
    expect(await vaultKeys()).toEqual(['engine-signing-0001', 'engine-signing-0002']);
    expect(first.steps.find((s) => s.step === 'retire-signing-keys')?.status).toBe('skipped');

    // Rolled out now: retiring is refused until 660 s have passed, and says from when.
    const early = await keys
      .retire(slug, {}, { ...admin, correlationId: `early-${RUN}` })
      .catch((e: unknown) => e);
    expect(early).toBeInstanceOf(ConflictError);
    expect((early as Error).message).toMatch(/cannot be retired before .* \(in \d+ s\)/);

    offsetMs = 661_000;
    const retired = await keys.retire(slug, {}, { ...admin, correlationId: `retire-${RUN}` });
    expect(retired.keys).toEqual(['engine-signing-0002']);
    const second = await runDone(retired.run!.id);
    expect(second.status, provisioner.output().slice(-3000)).toBe('succeeded');
    expect((await inCluster()).spec.bindings.vault?.signingKeys).toEqual(['engine-signing-0002']);
    expect(second.steps.find((s) => s.step === 'retire-signing-keys')).toMatchObject({
      status: 'succeeded',
      output: { deleted: ['engine-signing-0001'] },
    });
    expect(await vaultKeys()).toEqual(['engine-signing-0002']);
    // No key material in the step rows or the provisioner's output.
    const rows = JSON.stringify([first, second]);
    expect(rows).not.toContain('PRIVATE KEY');
    expect(provisioner.output()).not.toContain('PRIVATE KEY');
    expect((await db.tenants.getById(tenant.id)).spec.bindings.vault?.signingKeys).toEqual([
      'engine-signing-0002',
    ]);
  });
});
