/**
 * The data plane of `npm start` when no cluster is configured: every tenant the provisioner has
 * rendered into tenants/<slug>/manifests/ on the `local` cloud gets its cerebro and engine
 * processes, started from those manifests (rendered-workloads.ts → localize.ts), restarted when
 * the render changes, stopped when it is scaled to 0 (suspended). A tenant whose render is gone
 * (no manifests/ and no tenant.yaml: what a render-only offboard leaves) is offboarded here too:
 * its processes stop, its folder .data/data-plane/<slug>/ and its ports are removed, and the
 * router answers 404 for it. Ports are kept in .data/data-plane/ports.json so a restart of
 * `npm start` brings tenants back where they were. Before the first tenant starts, prepare()
 * builds the apps' bundles if their sources changed and initialises a PGlite template
 * (start-faster.ts: what made a first start slow).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createOnboardingRecorder, type OnboardingRecorder, type Registry } from '@cw/observability';
import { ENGINE_HOT_FIELDS, cerebroRestartConfig } from '@cw/tenant-model';
import { localize, type LocalPorts, type LocalWorkload } from './localize.js';
import { awaitWorkspaceAnswers, correlationIdOf } from './onboarding-probe.js';
import { isFree, pickPort } from './local-ports.js';
import type { RouteTarget } from './local-router.js';
import { parseManifests, renderedWorkloads, type RenderedWorkload } from './rendered-workloads.js';
import {
  ensureBundles,
  pgliteDirsOf,
  pgliteVersion,
  preparePgliteTemplate,
  seedFromTemplate,
} from './start-faster.js';
import type { TenantVaultMount } from './tenant-vault.js';

export interface LocalDataPlaneOptions {
  readonly root: string; // checkout root, with a trailing slash
  readonly artifactsDir: string; // tenants/
  readonly dataDir: string; // .data/data-plane
  readonly routerPort: number;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
  /** Print the magic links cerebro's dev outbox writes (MAIL_OUTBOX_PRINT_LINKS). */
  readonly printLinks: boolean;
  /** Schema name prefix of the tenants' stores on DATABASE_URL. @default 'tenant_' */
  readonly storeSchemaPrefix?: string;
  /** Tenants of every cloud (tests), not only `local` ones (npm start). */
  readonly allClouds?: boolean;
  /**
   * Runs the apps' esbuild bundles (apps/<app>/dist/app/main.js, `npm run build`) instead of the
   * sources through tsx; prepare() rebuilds a bundle older than its sources.
   */
  readonly bundles?: boolean;
  /** Copy new tenants' PGlite folders from an initialised template. @default true */
  readonly pgliteTemplate?: boolean;
  /**
   * The tenant vault the provisioner seeds (DATABASE_URL): its data-plane secrets are mounted from
   * there, as the vault CSI driver would. Absent: they are generated here once per tenant.
   */
  readonly tenantVault?: TenantVaultMount;
  /** Where `cw_onboarding_stage_seconds{stage="workspace_answers"}` goes (spans go to the global tracer). */
  readonly registry?: Registry;
  /** Called when every probe of a started tenant answers (onboarding stage "workspace answers"). */
  readonly onWorkspaceAnswers?: (slug: string, ms: number) => void;
}

interface Running {
  /** Of the whole render; `pods` of its Deployments only (what rolls pods in a cluster). */
  hash: string;
  readonly pods: string;
  rendered: RenderedWorkload[];
  readonly ports: LocalPorts;
  /** The tenant vault's first managers, localized into cerebro's config at start (and kept in place). */
  readonly firstManagers: readonly string[];
  readonly children: ChildProcess[];
  readonly outboxes: string[];
  readonly seenMail: Set<string>;
}

interface WantedTenant {
  readonly hash: string;
  readonly pods: string;
  readonly workloads: RenderedWorkload[];
}

/** Values of `…File` fields that point into the tenant's secrets folder. */
function secretFilesOf(value: unknown, secretsDir: string, key = ''): string[] {
  if (typeof value === 'string')
    return /File$/.test(key) && value.startsWith(`${secretsDir}/`) ? [value] : [];
  if (value && typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      secretFilesOf(v, secretsDir, k),
    );
  return [];
}

export class LocalDataPlane {
  private readonly tenants = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private syncing = false;
  private readonly waitingForVault = new Set<string>();
  /** Renders that could not be read, with the reason last logged. */
  private readonly unreadable = new Map<string, string>();
  /** Tenants rendered with 0 replicas (spec.suspended): stopped, and the router says so. */
  private suspendedSlugs = new Set<string>();
  /** Slugs with a render (manifests/ or tenant.yaml) at the last pass; undefined before the first. */
  private renderedSlugs: Set<string> | undefined;
  private prepared: Promise<void> | undefined;
  private runBundles: boolean;
  private template: string | undefined;

  private readonly onboarding: OnboardingRecorder;

  constructor(private readonly o: LocalDataPlaneOptions) {
    this.onboarding = createOnboardingRecorder(o.registry ? { registry: o.registry } : {});
    this.runBundles = o.bundles ?? false;
  }

  /**
   * Once, before the first tenant starts: rebuild stale bundles (bundles mode) and initialise the
   * PGlite template. A failure is logged and the slower path is taken (sources under tsx, initdb).
   */
  prepare(): Promise<void> {
    this.prepared ??= (async () => {
      if (this.runBundles) {
        const t0 = Date.now();
        try {
          const built = await ensureBundles(this.o.root);
          if (built.length)
            this.o.log(`data plane: built ${built.join(', ')} bundles in ${Date.now() - t0} ms`);
        } catch (e) {
          this.runBundles = false;
          this.o.log(
            `data plane: building the bundles failed, running the sources under tsx instead (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`,
          );
        }
      }
      if (this.o.pgliteTemplate ?? true) {
        const dir = join(this.o.dataDir, `.pglite-${await pgliteVersion(this.o.root)}`);
        const t0 = Date.now();
        try {
          const fresh = !existsSync(join(dir, 'PG_VERSION'));
          await mkdir(this.o.dataDir, { recursive: true });
          await preparePgliteTemplate(dir);
          this.template = dir;
          if (fresh) this.o.log(`data plane: PGlite template initialised in ${Date.now() - t0} ms (${dir})`);
        } catch (e) {
          this.o.log(`data plane: no PGlite template (${e instanceof Error ? e.message : String(e)})`);
        }
      }
    })();
    return this.prepared;
  }

  /** Where the router sends `<slug>.localtest.me`: the tenant's cerebro port. */
  cerebroPort(slug: string): number | undefined {
    return this.tenants.get(slug)?.ports.cerebro;
  }

  /**
   * What the router does with `<slug>.localtest.me`: the running tenant's cerebro port,
   * 'suspended' while its render has 0 replicas (as the cluster scales a suspended tenant's
   * Deployments to 0), else undefined (unknown or not started yet).
   */
  route(slug: string): RouteTarget {
    return (
      this.cerebroPort(slug) ??
      (this.suspendedSlugs.has(slug)
        ? 'suspended'
        : this.renderedSlugs && !this.renderedSlugs.has(slug)
          ? 'gone'
          : undefined)
    );
  }

  /** The local ports of a running tenant. */
  portsOf(slug: string): LocalPorts | undefined {
    return this.tenants.get(slug)?.ports;
  }

  publicUrl(slug: string): string {
    return `http://${slug}.localtest.me:${this.o.routerPort}`;
  }

  start(intervalMs = 3_000): void {
    const tick = () => {
      void this.sync()
        .catch((e: unknown) => this.o.log(`data plane: ${e instanceof Error ? e.message : String(e)}`))
        .finally(() => (this.timer = setTimeout(tick, intervalMs)));
    };
    tick();
  }

  /** One pass: start, restart, stop or offboard tenants to match tenants/<slug>/. */
  async sync(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      await this.prepare();
      const wanted = await this.renderedTenants();
      for (const [slug, running] of this.tenants) {
        const next = wanted.get(slug);
        if (next?.hash === running.hash || (next && (await this.applyInPlace(slug, running, next)))) continue;
        await this.stopTenant(slug, next ? 'render changed' : 'not rendered');
      }
      await this.offboardGone();
      for (const [slug, next] of wanted) if (!this.tenants.has(slug)) await this.startTenant(slug, next);
      if (this.o.printLinks) await this.printNewLinks();
    } finally {
      this.syncing = false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.tenants.keys()].map((slug) => this.stopTenant(slug, 'npm start stopping')));
  }

  /**
   * Render-only offboarding: a tenant the data plane knows (ports.json or a data folder) whose
   * render is gone — no tenants/<slug>/manifests/ and no tenant.yaml — is stopped, its folder
   * (secrets, PGlite stores, logs, outbox) and ports removed. Its store schema, vault rows and
   * knowledge index on the shared PostgreSQL are the provisioner's purge step's to drop. Nothing
   * happens while the artifacts folder itself is missing (a misconfigured ARTIFACTS_DIR must not
   * wipe every tenant).
   */
  private async offboardGone(): Promise<void> {
    const rendered = this.renderedSlugs;
    if (!rendered || !existsSync(this.o.artifactsDir)) return;
    const file = join(this.o.dataDir, 'ports.json');
    const ports = existsSync(file)
      ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, LocalPorts>)
      : {};
    const folders = existsSync(this.o.dataDir)
      ? (await readdir(this.o.dataDir, { withFileTypes: true }))
          .filter((e) => e.isDirectory() && /^[a-z0-9-]+$/.test(e.name))
          .map((e) => e.name)
      : [];
    const gone = [...new Set([...Object.keys(ports), ...folders])].filter((slug) => !rendered.has(slug));
    if (gone.length === 0) return;
    for (const slug of gone) {
      await this.stopTenant(slug, 'offboarded');
      await rm(join(this.o.dataDir, slug), { recursive: true, force: true });
      delete ports[slug];
      this.waitingForVault.delete(slug);
      this.o.log(
        `data plane ${slug}: offboarded (its render is gone): processes stopped, data and ports removed`,
      );
    }
    await writeFile(file, `${JSON.stringify(ports, null, 2)}\n`);
  }

  /**
   * A render whose pod templates are unchanged and whose engine configs differ only in the fields
   * the engine reloads itself (ENGINE_HOT_FIELDS: plugins, pluginConfig, readOnly, maintenance,
   * auditLog) is applied as a cluster applies it — the kubelet rewrites the mounted ConfigMap, no
   * pod rolls (the chart's config-hash annotation leaves those fields out): the engines' config
   * files are rewritten in place and the processes keep running. cerebro's config lists each
   * engine's plugins and switches, which it reloads too (CEREBRO_ENGINE_HOT_FIELDS): its file is
   * rewritten in place as well. Anything else restarts the tenant.
   */
  private async applyInPlace(slug: string, running: Running, next: WantedTenant): Promise<boolean> {
    if (next.pods !== running.pods || next.workloads.length !== running.rendered.length) return false;
    const before = new Map(running.rendered.map((w) => [w.deployment, w]));
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const changed = next.workloads.filter((w) => !same(w.config, before.get(w.deployment)?.config));
    for (const w of changed) {
      const old = before.get(w.deployment);
      if (!old || !same(w.env, old.env)) return false;
      if (w.app === 'cerebro') {
        // cerebro reloads its engines' switches and plugins itself (CerebroConfigWatcher).
        if (!same(cerebroRestartConfig(w.config), cerebroRestartConfig(old.config))) return false;
        continue;
      }
      if (w.app !== 'mcp-engine') return false;
      for (const key of new Set([...Object.keys(w.config), ...Object.keys(old.config)]))
        if (!same(w.config[key], old.config[key]) && !(ENGINE_HOT_FIELDS as readonly string[]).includes(key))
          return false;
    }
    const { workloads } = localize({
      slug,
      workloads: changed,
      dir: join(this.o.dataDir, slug),
      ports: running.ports,
      publicUrl: this.publicUrl(slug),
      env: this.o.env,
      // As at start: a rewritten cerebro config keeps the managers the vault named.
      firstManagers: running.firstManagers,
      ...(this.o.storeSchemaPrefix ? { storeSchemaPrefix: this.o.storeSchemaPrefix } : {}),
    });
    for (const w of workloads) {
      // Whole or not at all: the engine's watcher must never read a half-written file.
      const file = w.env.CW_CONFIG_FILE!;
      await writeFile(`${file}.next`, `${JSON.stringify(w.config, null, 2)}\n`);
      await rename(`${file}.next`, file);
    }
    running.hash = next.hash;
    running.rendered = next.workloads;
    if (changed.length)
      this.o.log(
        `data plane ${slug}: ${changed.map((w) => w.deployment).join(', ')}: config changed in fields the processes reload; rewritten in place, no restart`,
      );
    return true;
  }

  private async renderedTenants(): Promise<Map<string, WantedTenant>> {
    const out = new Map<string, WantedTenant>();
    const suspended = new Set<string>();
    const rendered = new Set<string>();
    const slugs = existsSync(this.o.artifactsDir) ? await readdir(this.o.artifactsDir) : [];
    for (const slug of slugs.filter((s) => s !== 'examples' && /^[a-z0-9-]+$/.test(s))) {
      const dir = join(this.o.artifactsDir, slug, 'manifests');
      if (existsSync(dir) || existsSync(join(this.o.artifactsDir, slug, 'tenant.yaml'))) rendered.add(slug);
      if (!existsSync(dir)) continue;
      const files = (await readdir(dir, { recursive: true })).filter((f) => /\.ya?ml$/.test(f)).sort();
      const text = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('\n---\n');
      let workloads: RenderedWorkload[];
      let objects: ReturnType<typeof parseManifests>;
      try {
        objects = parseManifests(text);
        workloads = renderedWorkloads(objects);
      } catch (e) {
        // One unreadable render must not keep the other tenants from starting.
        const why = e instanceof Error ? e.message : String(e);
        if (this.unreadable.get(slug) !== why) this.o.log(`data plane ${slug}: render not started: ${why}`);
        this.unreadable.set(slug, why);
        continue;
      }
      this.unreadable.delete(slug);
      const cerebro = workloads.find((w) => w.app === 'cerebro');
      const cloud = (cerebro?.config.cloud as { provider?: string } | undefined)?.provider;
      if (!cerebro || (cloud !== 'local' && !this.o.allClouds)) continue;
      if (workloads.some((w) => w.replicas === 0)) {
        suspended.add(slug);
        continue;
      }
      const sha = (x: string) => createHash('sha256').update(x).digest('hex');
      // What rolls pods in a cluster: a Deployment's pod template (its metadata annotations change on every apply).
      const pods = sha(
        JSON.stringify(
          objects.filter((o) => o.kind === 'Deployment').map((o) => [o.metadata?.name, o.spec?.template]),
        ),
      );
      out.set(slug, { hash: sha(text), pods, workloads });
    }
    this.suspendedSlugs = suspended;
    this.renderedSlugs = rendered;
    return out;
  }

  private async ports(slug: string, workloads: readonly RenderedWorkload[]): Promise<LocalPorts> {
    const file = join(this.o.dataDir, 'ports.json');
    const all = existsSync(file)
      ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, LocalPorts>)
      : {};
    const known = all[slug];
    const portsOf = (p: LocalPorts) => [
      p.cerebro,
      ...Object.values(p.engines).flatMap((e) => [e.dashboard, e.mcp]),
    ];
    const reserved = new Set(
      Object.entries(all)
        .filter(([s]) => s !== slug)
        .flatMap(([, p]) => portsOf(p)),
    );
    // A kept port someone else took while the tenant was stopped is replaced (the router and
    // cerebro's engine addresses follow, both are rendered from ports.json at each start).
    const port = async (kept: number | undefined, what: string): Promise<number> => {
      if (kept !== undefined && !reserved.has(kept) && (await isFree(kept))) {
        reserved.add(kept);
        return kept;
      }
      const next = await pickPort(reserved);
      reserved.add(next);
      if (kept !== undefined)
        this.o.log(`data plane ${slug}: port ${kept} (${what}) is taken; moved to ${next}`);
      return next;
    };
    const cerebro = await port(known?.cerebro, 'cerebro');
    const engines: Record<string, { dashboard: number; mcp: number }> = {};
    for (const w of workloads.filter((x) => x.app === 'mcp-engine')) {
      const name = String(w.config.engine ?? 'main');
      const kept = known?.engines[name];
      engines[name] = {
        dashboard: await port(kept?.dashboard, `engine ${name} dashboard`),
        mcp: await port(kept?.mcp, `engine ${name} mcp`),
      };
    }
    const ports = { cerebro, engines };
    await writeFile(file, `${JSON.stringify({ ...all, [slug]: ports }, null, 2)}\n`);
    return ports;
  }

  private async startTenant(slug: string, { hash, pods, workloads: rendered }: WantedTenant): Promise<void> {
    const dir = join(this.o.dataDir, slug);
    const secretsDir = join(dir, 'secrets');
    await mkdir(secretsDir, { recursive: true, mode: 0o700 });
    let firstManagers: readonly string[] = [];
    // What the vault CSI driver mounts in a cluster.
    if (this.o.tenantVault) {
      const mounted = await this.o.tenantVault.mount(slug);
      if (!mounted) {
        if (!this.waitingForVault.has(slug))
          this.o.log(`data plane ${slug}: waiting for the provisioner to seed the tenant vault's secrets`);
        this.waitingForVault.add(slug);
        return;
      }
      this.waitingForVault.delete(slug);
      // A signing key removed from the vault (rotation finished) is unmounted too.
      for (const f of await readdir(secretsDir))
        if (/^engine-signing-.*\.pem$/.test(f) && !(f in mounted.files)) await rm(join(secretsDir, f));
      for (const [name, value] of Object.entries(mounted.files)) {
        await writeFile(join(secretsDir, name), `${value}\n`, { mode: 0o600 });
        await chmod(join(secretsDir, name), 0o600);
      }
      firstManagers = mounted.firstManagers;
    } else
      for (const [name, make] of [
        ['engine-audit-salt', () => randomBytes(32).toString('hex')],
        ['cerebro-session-key', () => randomBytes(32).toString('base64')],
        // Cerebro signs engine tokens with it (engineTokens.signingKeysDir = the secrets mount).
        [
          'engine-signing-1.pem',
          () =>
            generateKeyPairSync('ec', { namedCurve: 'P-256' })
              .privateKey.export({ type: 'pkcs8', format: 'pem' })
              .toString()
              .trim(),
        ],
      ] as const) {
        const file = join(secretsDir, name);
        if (!existsSync(file)) await writeFile(file, `${make()}\n`, { mode: 0o600 });
      }
    // The local stand-in of the credential vault's master key (the data plane's own, generated once).
    const masterKey = join(secretsDir, 'vault-master-key');
    if (!existsSync(masterKey))
      await writeFile(masterKey, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const ports = await this.ports(slug, rendered);
    const { workloads, sharedStore } = localize({
      slug,
      workloads: rendered,
      dir,
      ports,
      publicUrl: this.publicUrl(slug),
      env: this.o.env,
      firstManagers,
      ...(this.o.storeSchemaPrefix ? { storeSchemaPrefix: this.o.storeSchemaPrefix } : {}),
    });
    if (!sharedStore)
      this.o.log(
        `data plane ${slug}: no DATABASE_URL, so cerebro and each engine get a PGlite of their own; credentials set in My Credentials do not reach the engine (set DATABASE_URL for the whole journey)`,
      );
    const running: Running = {
      hash,
      pods,
      rendered,
      firstManagers,
      ports,
      children: [],
      outboxes: [],
      seenMail: new Set(),
    };
    this.tenants.set(slug, running);
    const correlationId = await correlationIdOf(this.o.artifactsDir, slug);
    // The engines record onboarding stage first_tool_call against the tenant's onboarding: the
    // Deployment's env carries it (from the Tenant's onboarding annotations, counted from the
    // provision run, i.e. checkout). A tenant rendered before those annotations existed gets a
    // stand-in counted from its first render here.
    const withoutOnboarding = (w: LocalWorkload) =>
      w.workload.app === 'mcp-engine' && !w.env.CW_ONBOARDING_SINCE;
    const onboardingEnv: Record<string, string> = workloads.some(withoutOnboarding)
      ? {
          CW_ONBOARDING_CORRELATION_ID: correlationId,
          CW_ONBOARDING_SINCE: await this.onboardingSince(slug, dir),
        }
      : {};
    const startedAt = Date.now();
    for (const w of workloads)
      running.children.push(await this.launch(slug, dir, w, withoutOnboarding(w) ? onboardingEnv : {}));
    void awaitWorkspaceAnswers({
      urls: workloads.flatMap((w) => w.probeUrls),
      correlationId,
      startedAt,
      recorder: this.onboarding,
      current: () => this.tenants.get(slug) === running,
    })
      .then((ms) => {
        if (ms === undefined) return;
        this.o.log(`data plane ${slug}: workspace answers ${ms} ms after its processes started`);
        this.o.onWorkspaceAnswers?.(slug, ms);
      })
      .catch(() => undefined);
    running.outboxes.push(
      ...workloads.filter((w) => w.workload.app === 'cerebro').map((w) => this.outboxOf(w)),
    );
    // Mails of an earlier run were printed then.
    for (const outbox of running.outboxes)
      if (existsSync(outbox)) for (const f of await readdir(outbox)) running.seenMail.add(f);
    const engines = Object.entries(ports.engines)
      .map(
        ([n, p]) =>
          `engine ${n} mcp http://127.0.0.1:${p.mcp}/mcp, dashboard http://127.0.0.1:${p.dashboard}`,
      )
      .join('; ');
    this.o.log(
      `data plane ${slug}: workspace ${this.publicUrl(slug)} (cerebro :${ports.cerebro}); ${engines}; logs in ${dir}/`,
    );
  }

  /**
   * Stand-in for a tenant rendered without onboarding annotations (provisioned before they
   * existed): its onboarding counted for first_tool_call from its first render (the mtime
   * of tenants/<slug>/tenant.yaml when the data plane first sees it — provisioned, a few seconds
   * after checkout), kept in .data/data-plane/<slug>/onboarding.json so later renders and
   * restarts do not move it. The render carries no checkout time (see docs/observability.md).
   */
  private async onboardingSince(slug: string, dir: string): Promise<string> {
    const file = join(dir, 'onboarding.json');
    if (existsSync(file)) {
      const kept = (JSON.parse(await readFile(file, 'utf8')) as { since?: string }).since;
      if (kept && !Number.isNaN(Date.parse(kept))) return kept;
    }
    const tenantYaml = join(this.o.artifactsDir, slug, 'tenant.yaml');
    const rendered = existsSync(tenantYaml) ? (await stat(tenantYaml)).mtimeMs : Date.now();
    const since = new Date(Math.min(rendered, Date.now())).toISOString();
    await writeFile(file, `${JSON.stringify({ since, from: 'rendered' })}\n`);
    return since;
  }

  private outboxOf(w: LocalWorkload): string {
    return String((w.config.mail as { dir?: string } | undefined)?.dir ?? '');
  }

  private async launch(
    slug: string,
    dir: string,
    w: LocalWorkload,
    extraEnv: Record<string, string>,
  ): Promise<ChildProcess> {
    for (const d of w.dirs) await mkdir(d, { recursive: true, mode: 0o700 });
    for (const [file, content] of Object.entries(w.secrets)) {
      await writeFile(file, `${content}\n`, { mode: 0o600 });
      await chmod(file, 0o600);
    }
    await writeFile(w.env.CW_CONFIG_FILE!, `${JSON.stringify(w.config, null, 2)}\n`);
    // Any other mounted secret the config names (e.g. an IdP client secret the provisioner put in
    // a cloud vault) has no local source: a random placeholder lets the process start, and the
    // console says that the feature behind it cannot work here.
    for (const file of secretFilesOf(w.config, join(dir, 'secrets')))
      if (!existsSync(file)) {
        await writeFile(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
        this.o.log(
          `data plane ${slug}: ${file} has no local source; wrote a placeholder (what needs it, e.g. the IdP sign-in, will fail)`,
        );
      }
    // A first start opens an initialised copy instead of running initdb (start-faster.ts).
    if (this.template) for (const d of pgliteDirsOf(w.config)) await seedFromTemplate(this.template, d);
    const args = this.runBundles
      ? ['--enable-source-maps', `apps/${w.workload.app}/dist/app/main.js`]
      : ['--import', 'tsx', `apps/${w.workload.app}/src/main.ts`];
    const log = createWriteStream(join(dir, `${w.workload.deployment}.log`), { flags: 'a' });
    const child = spawn(process.execPath, args, {
      cwd: this.o.root,
      env: {
        PATH: this.o.env.PATH,
        HOME: this.o.env.HOME,
        LOG_LEVEL: this.o.env.LOG_LEVEL ?? 'info',
        ...w.env,
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    // 'close', not 'exit': the last lines (a start failure) are still in the pipes at exit.
    child.once('close', (code, signal) => {
      log.end();
      const running = this.tenants.get(slug);
      if (running?.children.includes(child)) {
        this.o.log(
          `data plane ${slug}: ${w.workload.deployment} exited (${signal ?? code}); see ${dir}/${w.workload.deployment}.log — restarting on the next pass`,
        );
        // Forget the tenant: the next sync starts it again (as a Deployment would restart the pod).
        void this.stopTenant(slug, 'a process exited');
      }
    });
    return child;
  }

  private async stopTenant(slug: string, why: string): Promise<void> {
    const running = this.tenants.get(slug);
    if (!running) return;
    this.tenants.delete(slug);
    const t0 = Date.now();
    await Promise.all(
      running.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const kill = setTimeout(() => c.kill('SIGKILL'), 5_000);
            c.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
    this.o.log(`data plane ${slug}: stopped (${why}) in ${Date.now() - t0} ms`);
  }

  /** Magic links are credentials: printed only because `npm start` asks for links (MAIL_OUTBOX_PRINT_LINKS). */
  private async printNewLinks(): Promise<void> {
    for (const [slug, running] of this.tenants)
      for (const outbox of running.outboxes) {
        if (!existsSync(outbox)) continue;
        for (const f of (await readdir(outbox)).filter((x) => x.endsWith('.json'))) {
          if (running.seenMail.has(f)) continue;
          running.seenMail.add(f);
          const mail = JSON.parse(await readFile(join(outbox, f), 'utf8')) as {
            subject?: string;
            links?: string[];
          };
          this.o.log(`data plane ${slug}: mail "${mail.subject ?? ''}" → ${(mail.links ?? []).join(' ')}`);
        }
      }
  }
}
