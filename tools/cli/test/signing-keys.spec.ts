// `cw signing-keys` against the real control plane (its own process, PostgreSQL, Redis) with the
// admin API signed in through an OIDC provider: show → rotate (the desired spec lists old + new) →
// retire refused with the API's 409 message; bad input and a missing token name what is wrong.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@cw/db';
import { TEST_DATABASE_URL, uniqueSchemaName } from '@cw/db/testing';
import { startOidcProvider, type TestOidcProvider } from '@cw/testing/oidc';
import { eventually, freePort, startProcess, type PlatformProcess } from '@cw/testing/processes';
import { parseTenant, sampleTenant } from '@cw/tenant-model';
import { main } from '../src/main.js';

const RUN = randomBytes(3).toString('hex');
const slug = `cli-${RUN}`;
let op: TestOidcProvider;
let cp: PlatformProcess;
let db: Database;
let url: string;
let workDir: string;

beforeAll(async () => {
  op = await startOidcProvider();
  workDir = await mkdtemp(join(tmpdir(), 'cw-cli-keys-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const schema = uniqueSchemaName('clikeys');
  cp = startProcess('control-plane', {
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL: 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `cwcli-${RUN}`,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    MAIL_OUTBOX_DIR: join(workDir, 'outbox'),
    SWEEP_INTERVAL: '0',
    LOG_LEVEL: 'info',
    ADMIN_OIDC_ISSUER: op.issuer,
    ADMIN_OIDC_AUDIENCE: op.audience,
    ADMIN_OIDC_ALLOW_INSECURE: 'true',
    ARTIFACTS_DIR: join(workDir, 'tenants'),
    VAULT_DIR: join(workDir, 'vault'),
  });
  await eventually(
    async () => /control plane listening/.test(cp.output()) || (!cp.alive() && 'dead'),
    'the control plane to start',
    120_000,
  );
  expect(cp.alive(), cp.output().slice(-2000)).toBe(true);
  db = await openDatabase({ url: TEST_DATABASE_URL, schema, poolSize: 2 });
  const spec = parseTenant(
    sampleTenant({
      name: slug,
      spec: {
        hostname: `${slug}.localtest.me`,
        displayName: `CLI ${RUN}`,
        bindings: { vault: { kind: 'azure-key-vault', uri: `https://kv-${RUN}.vault.azure.net/` } },
      },
    }),
  ).spec;
  await db.tenants.create({
    slug,
    spec,
    adminEmail: `admin@${slug}.example.com`,
    correlationId: `cs_${slug}`,
    billingMode: 'trial',
    state: 'active',
  });
}, 180_000);

afterAll(async () => {
  await cp?.stop();
  await op?.stop();
  await db?.dropSchema().catch(() => undefined);
  await db?.close();
  await rm(workDir, { recursive: true, force: true });
});

async function cw(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { token: process.env.CW_ADMIN_TOKEN, url: process.env.CW_ADMIN_URL };
  process.env.CW_ADMIN_TOKEN = env.CW_ADMIN_TOKEN ?? '';
  process.env.CW_ADMIN_URL = env.CW_ADMIN_URL ?? '';
  try {
    const code = await main(['node', 'cw', ...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.env.CW_ADMIN_TOKEN = saved.token;
    process.env.CW_ADMIN_URL = saved.url;
    if (saved.token === undefined) delete process.env.CW_ADMIN_TOKEN;
    if (saved.url === undefined) delete process.env.CW_ADMIN_URL;
  }
}

describe('cw signing-keys', () => {
  it('shows, rotates, and reports the refusal of an early retire', async () => {
    const manager = await op.signToken({ roles: ['manager'], groups: [] });
    const env = { CW_ADMIN_TOKEN: manager, CW_ADMIN_URL: url };

    const show = await cw(['signing-keys', slug], env);
    expect(show.err).toBe('');
    expect(show.code).toBe(0);
    expect(show.out).toContain(`${slug}: engine-signing-0001 mounted (vault: azure-key-vault)`);

    const rotate = await cw(['signing-keys', slug, 'rotate', '--reason', 'cli test'], env);
    expect(rotate.code, rotate.err).toBe(0);
    expect(rotate.out).toContain('engine-signing-0001, engine-signing-0002 mounted');
    expect(rotate.out).toMatch(/run \S+ \(update\) started/);
    expect((await db.tenants.findBySlug(slug))!.spec.bindings.vault?.signingKeys).toEqual([
      'engine-signing-0001',
      'engine-signing-0002',
    ]);

    const retire = await cw(['signing-keys', slug, 'retire', '--json'], env);
    expect(retire.code).toBe(1);
    expect(retire.err).toContain('409 conflict');
    expect(retire.err).toContain('cannot be retired yet');
    expect(retire.err).toContain('correlation id');

    const json = await cw(['signing-keys', slug, 'show', '--json'], env);
    expect(JSON.parse(json.out)).toMatchObject({ keys: ['engine-signing-0001', 'engine-signing-0002'] });
  });

  it('names what is wrong: the action, the token, the URL; a viewer may not rotate', async () => {
    const viewer = await op.signToken({ roles: ['viewer'], groups: [] });
    const bad = await cw(['signing-keys', slug, 'delete'], { CW_ADMIN_TOKEN: viewer, CW_ADMIN_URL: url });
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.err).toContain('action: must be one of show, rotate, retire');
    const noToken = await cw(['signing-keys', slug], { CW_ADMIN_URL: url });
    expect(noToken.code).toBe(1);
    expect(noToken.err).toContain('CW_ADMIN_TOKEN');
    const noUrl = await cw(['signing-keys', slug], { CW_ADMIN_TOKEN: viewer });
    expect(noUrl.err).toContain('CW_ADMIN_URL');
    const forbidden = await cw(['signing-keys', slug, 'rotate'], {
      CW_ADMIN_TOKEN: viewer,
      CW_ADMIN_URL: url,
    });
    expect(forbidden.code).toBe(1);
    expect(forbidden.err).toContain('403 insufficient_role');
    // The token never reaches the output.
    for (const r of [bad, noToken, noUrl, forbidden]) expect(r.out + r.err).not.toContain(viewer);
  });
});
