/**
 * `cw render` of the checked-in local example → cerebro's file in the tenant's ConfigMap (the key
 * `cerebro.json`, which cerebro's Deployment mounts as config.json) → the real
 * cerebro process (tsx, as `npm start` runs it) boots from exactly that file. The only change is
 * where the Deployment's mounts would be: /var/lib/contextweaver (emptyDirs) and
 * /var/run/secrets/contextweaver (vault secrets) point into a temporary folder here.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCerebroConfig } from '@cw/tenant-model';
import { unusedPort } from '@cw/testing/oidc';
import { findLeaks } from '@cw/observability';

const root = new URL('../../../', import.meta.url).pathname;
const run = promisify(execFile);

describe('cerebro boots from the config cw render produces', () => {
  let child: ChildProcess | undefined;
  let dir = '';
  afterAll(async () => {
    child?.kill('SIGTERM');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders tenants/examples/local.yaml and serves /healthz, /readyz and the sign-in page', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cerebro-render-'));
    const out = join(dir, 'manifests');
    await run(
      process.execPath,
      ['tools/cli/bin/cw.js', 'render', 'tenants/examples/local.yaml', '--out', out],
      { cwd: root },
    );
    const files = await readdir(out, { recursive: true });
    const cm = files.find((f) => String(f).endsWith('configmap-tenant-config.yaml'));
    expect(cm).toBeDefined();
    const manifest = parse(await readFile(join(out, String(cm)), 'utf8')) as { data: Record<string, string> };
    const rendered = manifest.data['cerebro.json'] ?? '';
    const config = parseCerebroConfig(JSON.parse(rendered)); // the schema cerebro validates at boot
    expect(config.tenant).toBe('initech');
    expect(config.engines[0]?.plugins).toEqual(['payments', 'github']);

    const data = join(dir, 'var-lib');
    const secrets = join(dir, 'secrets');
    await mkdir(secrets, { recursive: true });
    // The Deployment's emptyDirs exist before the process starts.
    await mkdir(join(data, 'store'), { recursive: true });
    await mkdir(join(data, 'outbox'), { recursive: true });
    await writeFile(join(secrets, 'vault-master-key'), `${randomBytes(32).toString('base64')}\n`);
    const mounted = rendered
      .replaceAll('/var/lib/contextweaver', data)
      .replaceAll('/var/run/secrets/contextweaver', secrets);
    const configFile = join(dir, 'config.json');
    await writeFile(configFile, mounted);

    const port = await unusedPort();
    let output = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'apps/cerebro/src/main.ts'], {
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
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    const base = `http://127.0.0.1:${port}`;
    // Generous: tsx compiles the app on start, and the test machine is shared.
    const deadline = Date.now() + 240_000;
    let ready = 0;
    while (Date.now() < deadline) {
      ready = await fetch(`${base}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (ready === 200 || child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(ready, output).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const signIn = await fetch(`${base}/sign-in`);
    expect(signIn.status).toBe(200);
    expect(await signIn.text()).toContain('Sign in to Initech');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('cw_cerebro_http_request_duration_seconds');
    expect(
      findLeaks(output + metrics, {
        masterKey: await readFile(join(secrets, 'vault-master-key'), 'utf8').then((s) => s.trim()),
      }),
    ).toEqual([]);
  }, 300_000);

  it('a bad config stops the process naming the field', async () => {
    const bad = join(dir || (await mkdtemp(join(tmpdir(), 'cerebro-bad-'))), 'bad.json');
    await writeFile(bad, JSON.stringify({ tenant: 'x', identity: { mode: 'oidc' } }));
    const result = await run(process.execPath, ['--import', 'tsx', 'apps/cerebro/src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, CW_CONFIG_FILE: bad },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('identity.issuer');
    expect(result.stderr).toContain('store');
  }, 120_000);
});
