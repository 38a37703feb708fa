/**
 * The kubelet kube-local does not have, for one tenant: it reads the tenant's Deployments,
 * ConfigMaps and Services back from the API server (what the operator applied, not what the
 * provisioner rendered) and runs each Deployment's pod as a real process, the way its image would:
 * the Dockerfile's ENTRYPOINT + CMD from the esbuild bundle, as the pod's uid, under a read-only
 * root filesystem with only the Deployment's emptyDirs writable (image-run.ts), with the container's
 * env and the config file its ConfigMap volume mounts. What a laptop has instead of the cloud is
 * swapped in by npm start's `localize` (PostgreSQL schema per tenant, the tenant vault the
 * provisioner seeded mounted as files, the scripted LLM, loopback ports instead of Services).
 *
 * Like a kubelet: a Deployment scaled to 0 has no process (a suspended tenant's workspace answers
 * 503 "suspended" through the router, as npm start's router does); a changed pod template restarts
 * that Deployment's process (a rollout); a changed ConfigMap without a new template is rewritten
 * in place (the kubelet refreshes mounted ConfigMaps; the engine hot-reloads its switches); a
 * process that exits is started again on the next pass (restartPolicy Always, counted); a deleted
 * namespace stops everything and removes the tenant's folder (its emptyDirs and mounted secrets).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { KubeClient } from '@cw/k8s-client';
import { ROOT, type PlatformProcess } from '@cw/testing/processes';
import { tenantNamespace } from '@cw/tenant-model';
import {
  layOutWorkdir,
  parseFinalStage,
  runAsImage,
  type ImageStage,
} from '../../data-plane/support/image-run.js';
import {
  localize,
  pickPort,
  renderedWorkloads,
  startLocalRouter,
  type LocalPorts,
  type LocalWorkload,
  type TenantVaultMount,
} from './dev-data-plane.js';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: Record<string, string> | { matchLabels?: Record<string, string> };
    ports?: Array<{ name?: string; port: number; targetPort?: number | string }>;
    template?: {
      metadata?: { labels?: Record<string, string> };
      spec?: {
        securityContext?: { runAsUser?: number; runAsGroup?: number };
        containers?: Array<{
          name: string;
          image?: string;
          command?: string[];
          args?: string[];
          ports?: Array<{ name?: string; containerPort: number }>;
        }>;
      };
    };
  };
}

export interface KubeDataPlaneOptions {
  readonly kube: KubeClient;
  readonly slug: string;
  /** The tenant's host folder (outside /tmp: the processes get a fresh tmpfs there). */
  readonly dir: string;
  /** Where the image layouts go (one per app, kept across the tenant's restarts). */
  readonly imagesDir: string;
  readonly routerPort: number;
  /** The tenant vault the provisioner seeded (what the vault CSI driver would mount). */
  readonly vault: TenantVaultMount;
  readonly env: {
    DATABASE_URL: string;
    LLM_BASE_URL?: string;
    LLM_MODEL?: string;
    /** The Stripe stand-in the payments plugin calls instead of api.stripe.com. */
    STRIPE_API_BASE?: string;
  };
  /** The processes' LOG_LEVEL (not in the Deployment: the leak scan wants every line). */
  readonly logLevel?: string;
  readonly log?: (line: string) => void;
}

interface Pod {
  readonly deployment: string;
  readonly templateHash: string;
  configText: string;
  readonly configFile: string;
  readonly proc: PlatformProcess<string>;
  readonly probeUrls: readonly string[];
}

const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** apps/<app>/Dockerfile for an image reference such as registry.contextweaver.io/cerebro:0.1.0. */
export function appOfImage(image: string): string {
  const repo = image.split('@')[0]!.replace(/:[^/:]+$/, '');
  const app = repo.split('/').at(-1)!;
  if (!existsSync(join(ROOT, 'apps', app, 'Dockerfile')))
    throw new Error(`image ${image}: no apps/${app}/Dockerfile in this checkout`);
  return app;
}

/** A Service's selector is a plain label map (a Deployment's has matchLabels). */
const selectorOf = (svc: KubeObject): Record<string, string> =>
  (svc.spec?.selector ?? {}) as Record<string, string>;

/**
 * In-cluster addresses (`<service>.<namespace>.svc[.cluster.local]:<port>`, and the short
 * `<service>:<port>`) → the Deployment and container port behind them, as kube-proxy would route:
 * the Service's selector picks the Deployment's pod template, the Service port's targetPort names
 * (or numbers) one of its container ports.
 */
export function serviceRoutes(
  objects: readonly KubeObject[],
): Map<string, { deployment: string; port: number }> {
  const routes = new Map<string, { deployment: string; port: number }>();
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    const selector = Object.entries(selectorOf(svc));
    const dep = deployments.find((d) => {
      const labels = d.spec?.template?.metadata?.labels ?? {};
      return selector.length > 0 && selector.every(([k, v]) => labels[k] === v);
    });
    if (!dep) continue;
    const containerPorts = dep.spec?.template?.spec?.containers?.flatMap((c) => c.ports ?? []) ?? [];
    const ns = svc.metadata.namespace ?? '';
    for (const p of svc.spec?.ports ?? []) {
      const target = p.targetPort ?? p.port;
      const cp = containerPorts.find((c) =>
        typeof target === 'number' ? c.containerPort === target : c.name === target,
      );
      if (!cp) continue;
      const name = svc.metadata.name;
      for (const host of [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`])
        routes.set(`${host}:${p.port}`, { deployment: dep.metadata.name, port: cp.containerPort });
    }
  }
  return routes;
}

/** Every http(s) URL in a config whose host is an in-cluster name (`….svc…` or a bare Service name). */
export function inClusterUrls(config: unknown, serviceNames: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (v: unknown) => {
    if (typeof v === 'string' && /^https?:\/\//.test(v)) {
      const u = new URL(v);
      if (/\.svc(\.cluster\.local)?$/.test(u.hostname) || serviceNames.includes(u.hostname)) out.push(v);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(config);
  return out;
}

export class KubeDataPlane {
  private readonly pods = new Map<string, Pod>();
  private readonly images = new Map<string, { stage: ImageStage; workdir: string }>();
  private ports: LocalPorts | undefined;
  private firstManagers: readonly string[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private router: Server | undefined;
  private state: 'waiting' | 'running' | 'suspended' | 'gone' = 'waiting';
  private wanted: string[] = [];
  /** Every process ever started (stopped ones too): the leak scan reads all of their output. */
  readonly processes: PlatformProcess<string>[] = [];
  /** Processes that exited on their own and were started again. */
  restarts = 0;
  /** The tenant's objects as last read from the API server. */
  objects: KubeObject[] = [];
  /** What happened, one line per event (for failure messages). */
  readonly events: string[] = [];

  constructor(private readonly o: KubeDataPlaneOptions) {}

  get namespace(): string {
    return tenantNamespace(this.o.slug);
  }

  get publicUrl(): string {
    return `http://${this.o.slug}.localtest.me:${this.o.routerPort}`;
  }

  get secretsDir(): string {
    return join(this.o.dir, 'secrets');
  }

  /**
   * The router's answer for this tenant: its cerebro's port, 'suspended' (503), 'gone' once the
   * namespace is deleted (404 "no such workspace", as npm start's router answers an offboarded
   * slug), or nothing while it starts (502).
   */
  route(): number | 'suspended' | 'gone' | undefined {
    if (this.state === 'suspended' || this.state === 'gone') return this.state;
    const cerebro = [...this.pods.values()].find((p) => p.proc.name.endsWith('/cerebro'));
    return cerebro?.proc.alive() ? this.ports?.cerebro : undefined;
  }

  /** Local ports of the running tenant (engine dashboards for the tests). */
  localPorts(): LocalPorts | undefined {
    return this.ports;
  }

  /** The probe URLs (liveness and readiness of every running Deployment), here. */
  probeUrls(): string[] {
    return [...this.pods.values()].flatMap((p) => p.probeUrls);
  }

  running(): string[] {
    return [...this.pods.values()].filter((p) => p.proc.alive()).map((p) => p.deployment);
  }

  /** Every Deployment with replicas has its process running (not yet said: that it answers). */
  ready(): boolean {
    const running = this.running();
    return (
      this.state === 'running' && this.wanted.length > 0 && this.wanted.every((d) => running.includes(d))
    );
  }

  /** The Deployments with replicas > 0, as last read. */
  wantedDeployments(): readonly string[] {
    return this.wanted;
  }

  async start(intervalMs = 1_000): Promise<void> {
    this.router = await startLocalRouter(this.o.routerPort, (slug) =>
      slug === this.o.slug ? this.route() : undefined,
    );
    const tick = () => {
      void this.sync()
        .catch((e: unknown) => this.note(`sync: ${e instanceof Error ? e.message : String(e)}`))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.syncing?.catch(() => undefined);
    await this.stopPods([...this.pods.keys()], 'test finished');
    await new Promise<void>((resolve) => (this.router ? this.router.close(() => resolve()) : resolve()));
  }

  /** One pass (serialised). */
  sync(): Promise<void> {
    this.syncing ??= this.pass().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private note(line: string): void {
    const stamped = `${new Date().toISOString()} ${this.o.slug}: ${line}`;
    if (this.events.at(-1)?.endsWith(line)) return;
    this.events.push(stamped);
    this.o.log?.(stamped);
  }

  private async pass(): Promise<void> {
    const { kube } = this.o;
    const ns = this.namespace;
    const namespace = await kube.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    if (!namespace) {
      this.wanted = [];
      if (this.state === 'waiting') return;
      if (this.state !== 'gone') {
        await this.stopPods([...this.pods.keys()], 'namespace deleted');
        // The pods' emptyDirs and the mounted secrets go with them.
        await rm(this.o.dir, { recursive: true, force: true });
        this.state = 'gone';
        this.note('namespace gone: processes stopped, emptyDirs and mounted secrets removed');
      }
      return;
    }
    const lists = await Promise.all(
      (
        [
          ['apps/v1', 'Deployment'],
          ['v1', 'ConfigMap'],
          ['v1', 'Service'],
        ] as const
      ).map(([apiVersion, kind]) => kube.list<KubeObject>(apiVersion, kind, { namespace: ns })),
    );
    const objects = lists.flatMap((l) => l.items);
    this.objects = objects;
    const workloads = renderedWorkloads(objects as Parameters<typeof renderedWorkloads>[0]);
    if (workloads.length === 0) return;
    const wanted = workloads.filter((w) => w.replicas > 0);
    this.wanted = wanted.map((w) => w.deployment);
    await this.stopPods(
      [...this.pods.keys()].filter((d) => !wanted.some((w) => w.deployment === d)),
      'scaled to 0 or deleted',
    );
    if (wanted.length === 0) {
      if (this.state !== 'suspended') this.note('every Deployment at 0 replicas: suspended');
      this.state = 'suspended';
      return;
    }
    if (!(await this.mountSecrets())) return;
    this.ports = await this.allocatePorts(workloads.map((w) => ({ app: w.app, config: w.config })));
    const { workloads: local } = localize({
      slug: this.o.slug,
      workloads: wanted,
      dir: this.o.dir,
      ports: this.ports,
      publicUrl: this.publicUrl,
      env: this.o.env,
      firstManagers: this.firstManagers ?? [],
    });
    const deployments = new Map(
      objects.filter((o) => o.kind === 'Deployment').map((d) => [d.metadata.name, d] as const),
    );
    for (const w of local) {
      const dep = deployments.get(w.workload.deployment)!;
      const templateHash = hash(dep.spec?.template);
      const configText = `${JSON.stringify(w.config, null, 2)}\n`;
      const pod = this.pods.get(w.workload.deployment);
      if (pod?.proc.alive() && pod.templateHash === templateHash) {
        if (pod.configText !== configText) {
          // The kubelet refreshes a mounted ConfigMap in place; the pod keeps running.
          await writeFile(pod.configFile, configText);
          pod.configText = configText;
          this.note(`${pod.deployment}: mounted config updated in place`);
        }
        continue;
      }
      if (pod && !pod.proc.alive()) {
        this.restarts++;
        this.note(
          `${pod.deployment}: exited (${pod.proc.child.exitCode ?? pod.proc.child.signalCode}); restarting`,
        );
      }
      if (pod) await this.stopPods([pod.deployment], 'pod template changed (rollout)');
      await this.launch(dep, w, templateHash, configText);
    }
    this.state = 'running';
  }

  /** The tenant vault's data-plane secrets as files (what the CSI driver mounts); false until seeded. */
  private async mountSecrets(): Promise<boolean> {
    if (this.firstManagers) return true;
    const mounted = await this.o.vault.mount(this.o.slug);
    if (!mounted) {
      this.note('waiting for the provisioner to seed the tenant vault');
      return false;
    }
    await mkdir(this.secretsDir, { recursive: true });
    await chmod(this.o.dir, 0o755);
    for (const [name, value] of Object.entries(mounted.files))
      await writeFile(join(this.secretsDir, name), `${value}\n`, { mode: 0o600 });
    // The credential vault's master key: a local tenant's render names one under the secrets mount
    // that nothing in the chart provides; generated here once (as npm start's data plane does).
    await writeFile(join(this.secretsDir, 'vault-master-key'), `${randomBytes(32).toString('base64')}\n`, {
      mode: 0o600,
    });
    this.firstManagers = mounted.firstManagers;
    return true;
  }

  /**
   * Loopback ports instead of Services, kept across restarts (a resumed tenant keeps its addresses)
   * and picked below the ephemeral range as npm start picks them, so that no outgoing connection
   * takes one while the tenant is suspended.
   */
  private async allocatePorts(
    workloads: ReadonlyArray<{ app: string; config: Record<string, unknown> }>,
  ): Promise<LocalPorts> {
    const taken = new Set<number>();
    const pick = async () => {
      const port = await pickPort(taken);
      taken.add(port);
      return port;
    };
    const engines: Record<string, { dashboard: number; mcp: number }> = { ...this.ports?.engines };
    for (const p of Object.values(engines)) taken.add(p.dashboard).add(p.mcp);
    if (this.ports) taken.add(this.ports.cerebro);
    for (const w of workloads.filter((x) => x.app === 'mcp-engine'))
      engines[String(w.config.engine ?? 'main')] ??= { dashboard: await pick(), mcp: await pick() };
    return { cerebro: this.ports?.cerebro ?? (await pick()), engines };
  }

  private image(app: string): { stage: ImageStage; workdir: string } {
    let image = this.images.get(app);
    if (!image) {
      const stage = parseFinalStage(readFileSync(join(ROOT, 'apps', app, 'Dockerfile'), 'utf8'));
      image = { stage, workdir: layOutWorkdir(stage, join(this.o.imagesDir, app)) };
      this.images.set(app, image);
    }
    return image;
  }

  private async launch(dep: KubeObject, w: LocalWorkload, templateHash: string, configText: string) {
    const podSpec = dep.spec?.template?.spec;
    const container = podSpec?.containers?.[0];
    if (!container?.image) throw new Error(`Deployment ${dep.metadata.name}: no container image`);
    if (container.command || container.args)
      throw new Error(
        `Deployment ${dep.metadata.name} overrides the image's command; this runner runs ENTRYPOINT + CMD only`,
      );
    const { stage, workdir } = this.image(appOfImage(container.image));
    // The pod's securityContext overrides the image's USER.
    const sc = podSpec?.securityContext;
    const user = sc?.runAsUser ? { uid: sc.runAsUser, gid: sc.runAsGroup ?? sc.runAsUser } : stage.user;
    for (const [file, content] of Object.entries(w.secrets))
      await writeFile(file, `${content}\n`, { mode: 0o600 });
    // Mounted secrets are readable by the pod's user only (as root; otherwise runAsImage cannot
    // switch users either and the files stay the test's own).
    await chmod(this.secretsDir, 0o700);
    if (process.getuid?.() === 0) {
      await chown(this.secretsDir, user.uid, user.gid);
      for (const f of await readdir(this.secretsDir))
        await chown(join(this.secretsDir, f), user.uid, user.gid);
    }
    const configFile = w.env.CW_CONFIG_FILE!;
    for (const d of w.dirs) await mkdir(d, { recursive: true });
    await writeFile(configFile, configText, { mode: 0o644 });
    const name = `${this.o.slug}/${w.workload.deployment}`;
    const proc = runAsImage(name, {
      stage: { ...stage, user },
      workdir,
      env: { ...w.env, LOG_LEVEL: this.o.logLevel ?? 'debug' },
      // The emptyDirs (and their subfolders localize names), each bound writable; /tmp a fresh tmpfs.
      writable: w.dirs,
      tmpfsTmp: w.workload.emptyDirs.includes('/tmp'),
    });
    this.processes.push(proc);
    this.pods.set(w.workload.deployment, {
      deployment: w.workload.deployment,
      templateHash,
      configText,
      configFile,
      proc,
      probeUrls: w.probeUrls,
    });
    this.note(
      `${w.workload.deployment}: started (pid ${proc.child.pid}, ${process.getuid?.() === 0 ? `uid ${user.uid}, read-only root` : 'unconfined: not root'}) from ${container.image}`,
    );
  }

  private async stopPods(deployments: readonly string[], why: string): Promise<void> {
    await Promise.all(
      deployments.map(async (d) => {
        const pod = this.pods.get(d);
        this.pods.delete(d);
        if (!pod) return;
        await pod.proc.stop();
        this.note(`${d}: stopped (${why})`);
      }),
    );
  }
}

/** The secrets the vault mount put in the tenant's folder (for the leak scan: their values must appear nowhere). */
export async function mountedSecretValues(secretsDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(secretsDir)) {
    // The test database's URL is no secret; the first managers file is the e-mail (scanned as such).
    if (f === 'database-url' || f === 'cerebro-first-managers') continue;
    const v = readFileSync(join(secretsDir, f), 'utf8').trim();
    // A PEM's base64 body lines are what could leak; the first is enough to find one.
    out[f] = f.endsWith('.pem') ? v.split('\n')[1]! : v;
  }
  return out;
}
