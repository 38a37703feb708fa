/**
 * No image can be built or pulled on this machine, so this proves the next best thing: each
 * Dockerfile's runtime entry (ENTRYPOINT + CMD, USER, WORKDIR, ENV) runs the bundle `npm run build`
 * makes, from a config file `cw render tenants/examples/local.yaml` produces, under a read-only
 * root filesystem where only the Deployment's emptyDirs are writable, as the Dockerfile's uid; the
 * Deployment's liveness and readiness probes answer.
 * Substituted, because nothing here can provide them: the secrets the vault CSI driver would mount
 * (a generated master key and audit salt, read-only) and the ports (free ones, not 5000/5001/5080).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { freePort, ROOT, waitHttpOk, type PlatformProcess } from '@cw/testing/processes';
import { DEFAULT_CEREBRO_IMAGE, DEFAULT_ENGINE_IMAGE } from '@cw/tenant-model';
import { layOutWorkdir, parseFinalStage, runAsImage, writeJson } from './support/image-run.js';

const run = promisify(execFile);
const DATA = '/var/lib/contextweaver';
const SECRETS = '/var/run/secrets/contextweaver';

interface Container {
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  env?: Array<{ name: string; value?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: { httpGet: { path: string; port: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
}
interface KubeDoc {
  kind?: string;
  metadata?: { name?: string };
  data?: Record<string, string>;
  spec?: {
    template?: {
      spec?: {
        containers: Container[];
        securityContext?: { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean };
        volumes?: Array<{
          name: string;
          emptyDir?: object;
          configMap?: { name: string; items?: Array<{ key: string; path: string }> };
        }>;
      };
    };
  };
}

let docs: KubeDoc[] = [];
const scratch: string[] = [];
const running: PlatformProcess<string>[] = [];

beforeAll(async () => {
  const { stdout } = await run(
    process.execPath,
    ['tools/cli/bin/cw.js', 'render', 'tenants/examples/local.yaml'],
    {
      cwd: ROOT,
    },
  );
  docs = parseAllDocuments(stdout).map((d) => d.toJS() as KubeDoc);
}, 120_000);

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function workload(deployment: string) {
  const dep = docs.find((d) => d.kind === 'Deployment' && d.metadata?.name === deployment);
  const pod = dep?.spec?.template?.spec;
  const container = pod?.containers[0];
  if (!pod || !container) throw new Error(`no Deployment ${deployment} in the render`);
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  const mounts = (container.volumeMounts ?? []).map((m) => ({ ...m, volume: volumes.get(m.name) }));
  const configMount = mounts.find((m) => m.volume?.configMap);
  const configMap = docs.find(
    (d) => d.kind === 'ConfigMap' && d.metadata?.name === configMount?.volume?.configMap?.name,
  );
  const emptyDirs = mounts.filter((m) => m.volume?.emptyDir).map((m) => m.mountPath);
  const port = (name: string) => container.ports?.find((p) => p.name === name)?.containerPort;
  return {
    container,
    podSecurity: pod.securityContext,
    configMount,
    // The ConfigMap key the volume projects as config.json (all keys under their own names without items).
    config:
      configMap?.data?.[
        configMount?.volume?.configMap?.items?.find((i) => i.path === 'config.json')?.key ?? 'config.json'
      ] ?? '',
    emptyDirs,
    port,
  };
}

/** Paths the config tells the app to write to (its store's data dir, the dev outbox). */
function writablePathsOf(config: Record<string, unknown>): string[] {
  const paths: string[] = [];
  const visit = (value: unknown, key: string) => {
    if (typeof value === 'string' && value.startsWith(`${DATA}/`) && /dir$/i.test(key)) paths.push(value);
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) visit(v, k);
  };
  visit(config, '');
  return paths;
}

const under = (path: string, dirs: readonly string[]) =>
  dirs.some((d) => path === d || path.startsWith(`${d}/`));

describe.each([
  { app: 'cerebro', deployment: 'cerebro', image: DEFAULT_CEREBRO_IMAGE },
  { app: 'mcp-engine', deployment: 'engine-main', image: DEFAULT_ENGINE_IMAGE },
])('the $app image entry', ({ app, deployment, image }) => {
  // What `npm run build` runs for the app (its project.json build target).
  beforeAll(() => run(process.execPath, [`apps/${app}/scripts/build.mjs`], { cwd: ROOT }), 60_000);

  it('is tagged with the release version in the default image reference', () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    expect(image).toBe(`registry.contextweaver.io/${app}:${version}`);
    const stage = parseFinalStage(readFileSync(join(ROOT, `apps/${app}/Dockerfile`), 'utf8'));
    expect(stage.command.slice(-1)[0]).toBe('app/main.js');
  });

  it('writes only under the emptyDirs its Deployment declares', () => {
    const w = workload(deployment);
    const outside = writablePathsOf(JSON.parse(w.config) as Record<string, unknown>).filter(
      (p) => !under(p, w.emptyDirs),
    );
    expect(
      outside,
      `config paths with no emptyDir in the Deployment (declared: ${w.emptyDirs.join(', ')})`,
    ).toEqual([]);
  });

  it('runs the bundle as the Dockerfile says, read-only root, and answers its probes', async () => {
    const w = workload(deployment);
    const stage = parseFinalStage(readFileSync(join(ROOT, `apps/${app}/Dockerfile`), 'utf8'));
    // Outside /tmp: the run mounts a fresh tmpfs there (the /tmp emptyDir).
    const base = mkdtempSync(`/var/tmp/cw-image-${app}-`);
    scratch.push(base);
    chmodSync(base, 0o755);
    const workdir = layOutWorkdir(stage, join(base, 'image'));
    const [httpPort, mcpPort] = [await freePort(), await freePort()];

    // The declared emptyDirs, plus any data path the config names without one (the test above fails on those).
    const config = JSON.parse(w.config) as Record<string, unknown>;
    const wanted = [...new Set([...w.emptyDirs.filter((d) => d !== '/tmp'), ...writablePathsOf(config)])];
    // Outermost directories only: a path inside a declared emptyDir is mapped with it (replacing
    // both would map the inner one twice).
    const dataDirs = wanted.filter((d) => !wanted.some((o) => o !== d && under(d, [o])));
    const hostPath = (p: string) => join(base, 'fs', p);
    let text = w.config;
    for (const d of dataDirs) text = text.replaceAll(d, hostPath(d));
    text = text.replaceAll(SECRETS, hostPath(SECRETS));
    const rendered = JSON.parse(text) as Record<string, unknown>;
    if (rendered.ports) rendered.ports = { dashboard: httpPort, mcp: mcpPort };
    if (rendered.listenHost) rendered.listenHost = '127.0.0.1';
    writeJson(join(hostPath(w.configMount!.mountPath), 'config.json'), rendered);
    writeJson(join(hostPath(SECRETS), 'vault-master-key'), `${randomBytes(32).toString('base64')}\n`);
    writeJson(join(hostPath(SECRETS), 'engine-audit-salt'), randomBytes(16).toString('hex'));
    writeJson(join(hostPath(SECRETS), 'cerebro-session-key'), randomBytes(32).toString('base64'));
    for (const d of [SECRETS, w.configMount!.mountPath]) chmodSync(hostPath(d), 0o755);

    const env: Record<string, string> = { POD_NAME: `${deployment}-0` };
    for (const e of w.container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
    env.CW_CONFIG_FILE = join(hostPath(w.configMount!.mountPath), 'config.json');
    if (env.CW_PORT) env.CW_PORT = String(httpPort);
    if (env.CW_SECRETS_DIR) env.CW_SECRETS_DIR = hostPath(SECRETS);

    // The pod's securityContext (runAsUser/runAsGroup) overrides the image's USER.
    const pod = w.podSecurity;
    const runAs = pod?.runAsUser ? { uid: pod.runAsUser, gid: pod.runAsGroup ?? pod.runAsUser } : stage.user;
    expect(pod?.runAsNonRoot).toBe(true);
    expect(w.container.securityContext?.readOnlyRootFilesystem).toBe(true);
    const proc = runAsImage(app, {
      stage: { ...stage, user: runAs },
      workdir,
      env,
      writable: dataDirs.map(hostPath),
      tmpfsTmp: w.emptyDirs.includes('/tmp'),
    });
    running.push(proc);
    const portOf = (name: string) => {
      const declared = w.port(name);
      return declared === 5001 ? mcpPort : httpPort;
    };
    const started = Date.now();
    for (const probe of [w.container.livenessProbe, w.container.readinessProbe]) {
      expect(probe, 'the Deployment declares the probe').toBeDefined();
      await waitHttpOk(
        proc,
        `http://127.0.0.1:${portOf(probe!.httpGet.port)}${probe!.httpGet.path}`,
        150_000,
      );
    }
    process.stderr.write(`${app}: probes answered ${Date.now() - started} ms after start\n`);
    await proc.stop();
    expect(proc.output()).not.toMatch(/EROFS|EACCES/);
  }, 200_000);
});
