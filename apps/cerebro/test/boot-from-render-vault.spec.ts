/**
 * `cw render` of a vault-bound tenant (the local example with a `kubernetes` vault binding, whose
 * External Secret lists the files the pod gets) → cerebro boots from exactly that config.json with
 * the files the External Secret names written into the mount, as External Secrets would: the
 * session key, `cerebro-first-managers` (read through bootstrapManagersFile) and
 * `engine-signing-0001.pem` (served in the JWKS). Without the key file or the managers file the
 * process stops at boot and says which file.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseCerebroConfig } from '@cw/tenant-model';
import { unusedPort } from '@cw/testing/oidc';
import { findLeaks } from '@cw/observability';

const root = new URL('../../../', import.meta.url).pathname;
const run = promisify(execFile);
const SECRETS = '/var/run/secrets/contextweaver';
const DATA = '/var/lib/contextweaver';

describe('cerebro boots from a vault-bound render with the mounted first managers and signing key', () => {
  let dir = '';
  let rendered = '';
  let files: string[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cerebro-render-vault-'));
    const tenant = parse(await readFile(join(root, 'tenants/examples/local.yaml'), 'utf8')) as {
      spec: Record<string, unknown>;
    };
    tenant.spec.bindings = { vault: { kind: 'kubernetes', uri: 'initech-vault' } };
    const tenantFile = join(dir, 'tenant.yaml');
    await writeFile(tenantFile, stringify(tenant));
    const out = join(dir, 'manifests');
    await run(process.execPath, ['tools/cli/bin/cw.js', 'render', tenantFile, '--out', out], { cwd: root });
    const names = (await readdir(out, { recursive: true })).map(String);
    const read = async (suffix: string) => {
      const name = names.find((f) => f.endsWith(suffix));
      expect(name, `${suffix} in ${names.join(', ')}`).toBeDefined();
      return parse(await readFile(join(out, name!), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    // Cerebro's key of the tenant's ConfigMap (its Deployment mounts it as config.json).
    rendered = (await read('configmap-tenant-config.yaml')).data['cerebro.json'];
    // What External Secrets writes into the Secret cerebro mounts (one file per secretKey).
    const external = await read('externalsecret-cerebro-vault.yaml');
    files = (external.spec.data as { secretKey: string }[]).map((d) => d.secretKey);
  }, 120_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A fresh mount with every file the External Secret names, minus `omit`. */
  async function mount(name: string, omit?: string) {
    const base = join(dir, name);
    const secrets = join(base, 'secrets');
    const data = join(base, 'var-lib');
    await mkdir(secrets, { recursive: true });
    await mkdir(join(data, 'store'), { recursive: true });
    await mkdir(join(data, 'outbox'), { recursive: true });
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const values: Record<string, string> = {
      'cerebro-session-key': randomBytes(32).toString('base64'),
      'cerebro-first-managers': 'Admin@Initech.TEST\n',
      'engine-signing-0001.pem': pem,
    };
    for (const f of files.filter((x) => x !== omit)) await writeFile(join(secrets, f), values[f]!);
    await writeFile(join(secrets, 'vault-master-key'), `${randomBytes(32).toString('base64')}\n`);
    const configFile = join(base, 'config.json');
    await writeFile(configFile, rendered.replaceAll(DATA, data).replaceAll(SECRETS, secrets));
    return { secrets, configFile, pem };
  }

  const start = async (configFile: string, secrets: string, port: number) => {
    let output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/cerebro/src/main.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        CW_CONFIG_FILE: configFile,
        CW_PORT: String(port),
        CW_HOST: '127.0.0.1',
        CW_TENANT: 'initech',
        CW_SECRETS_DIR: secrets,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output: () => output, exited };
  };

  it('renders the file list and paths cerebro reads: no e-mail in the config', () => {
    expect(files).toEqual(['cerebro-session-key', 'cerebro-first-managers', 'engine-signing-0001.pem']);
    const config = parseCerebroConfig(JSON.parse(rendered));
    expect(config.bootstrapManagers).toEqual([]);
    expect(config.bootstrapManagersFile).toBe(`${SECRETS}/cerebro-first-managers`);
    expect(config.engineTokens.signingKeysDir).toBe(SECRETS);
    expect(rendered.toLowerCase()).not.toContain('admin@initech'); // only the no-reply sender
  });

  it('serves the mounted signing key in its JWKS and answers /readyz', async () => {
    const { secrets, configFile, pem } = await mount('ok');
    const port = await unusedPort();
    const proc = await start(configFile, secrets, port);
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 240_000; // tsx compiles on start; the machine is shared
    let ready = 0;
    while (Date.now() < deadline) {
      ready = await fetch(`${base}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (ready === 200 || proc.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(ready, proc.output()).toBe(200);
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: { x: string }[] };
    const x = (createPublicKey(pem).export({ format: 'jwk' }) as { x: string }).x;
    expect(jwks.keys.map((k) => k.x)).toEqual([x]);
    expect(proc.output()).not.toContain('generated in memory');
    expect(findLeaks(proc.output(), {})).toEqual([]);
    expect(proc.output()).not.toMatch(/admin@initech/i);
  }, 300_000);

  it.each([
    ['engine-signing-0001.pem', /no engine-signing-\*\.pem key in/],
    ['cerebro-first-managers', /bootstrapManagersFile: cannot read .*cerebro-first-managers \(ENOENT\)/],
  ])(
    'stops at boot, naming the missing %s',
    async (omit, message) => {
      const { secrets, configFile } = await mount(`without-${omit}`, omit);
      const proc = await start(configFile, secrets, await unusedPort());
      const code = await Promise.race([
        proc.exited,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 240_000)),
      ]);
      expect(code, proc.output()).toBe(1);
      expect(proc.output()).toMatch(message);
    },
    300_000,
  );
});
