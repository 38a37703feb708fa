/**
 * The workloads of a rendered tenant (the manifests `cw render` / the provisioner's render step
 * write), read the way the kubelet would: each Deployment's container env, the config.json its
 * configMap volume projects (the tenant's one ConfigMap holds every workload's file under its own
 * key; a Deployment mounts its key as config.json through `items`), its emptyDirs and probes.
 * The local data plane and its tests start the apps from exactly this, so the configuration
 * contract is the rendered one.
 */
import { parseAllDocuments } from 'yaml';

export type WorkloadApp = 'cerebro' | 'mcp-engine';

export interface RenderedWorkload {
  readonly deployment: string;
  readonly app: WorkloadApp;
  /** Literal env values of the container (fieldRef values are filled in by the runner). */
  readonly env: Record<string, string>;
  readonly configMountPath: string;
  readonly config: Record<string, unknown>;
  readonly emptyDirs: readonly string[];
  readonly ports: Readonly<Record<string, number>>;
  readonly probes: ReadonlyArray<{ kind: 'liveness' | 'readiness'; path: string; port: number }>;
  readonly readOnlyRootFilesystem: boolean;
  /** 0 while the tenant is suspended. */
  readonly replicas: number;
}

interface Obj {
  kind?: string;
  metadata?: { name?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: { replicas?: number; template?: { spec?: PodSpec } };
}
interface PodSpec {
  containers?: Array<{
    env?: Array<{ name: string; value?: string }>;
    volumeMounts?: Array<{ name: string; mountPath: string }>;
    ports?: Array<{ name?: string; containerPort: number }>;
    livenessProbe?: { httpGet?: { path: string; port: string | number } };
    readinessProbe?: { httpGet?: { path: string; port: string | number } };
    securityContext?: { readOnlyRootFilesystem?: boolean };
  }>;
  volumes?: Array<{
    name: string;
    emptyDir?: object;
    configMap?: { name: string; items?: Array<{ key: string; path: string }> };
  }>;
}

export class RenderedWorkloadError extends Error {}

export function parseManifests(yamlText: string): Obj[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => Boolean(o?.kind));
}

/** Every cerebro and mcp-engine Deployment of the render, with its mounted config.json. */
export function renderedWorkloads(objects: readonly Obj[]): RenderedWorkload[] {
  const configMaps = new Map(
    objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata?.name ?? '', o.data ?? {}]),
  );
  const out: RenderedWorkload[] = [];
  for (const dep of objects.filter((o) => o.kind === 'Deployment')) {
    const component = dep.metadata?.labels?.['app.kubernetes.io/component'];
    if (component !== 'cerebro' && component !== 'mcp-engine') continue;
    const name = dep.metadata?.name ?? '';
    const pod = dep.spec?.template?.spec;
    const c = pod?.containers?.[0];
    if (!pod || !c) throw new RenderedWorkloadError(`Deployment ${name}: no container`);
    const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
    const mounts = (c.volumeMounts ?? []).map((m) => ({ ...m, volume: volumes.get(m.name) }));
    const configMount = mounts.find((m) => m.volume?.configMap);
    const source = configMount?.volume?.configMap;
    const data = configMaps.get(source?.name ?? '') ?? {};
    // As the kubelet projects it: through `items` (key → path), or every key under its own name.
    const key = source?.items ? source.items.find((i) => i.path === 'config.json')?.key : 'config.json';
    const text = key === undefined ? undefined : data[key];
    if (!configMount || !text)
      throw new RenderedWorkloadError(`Deployment ${name}: mounts no ConfigMap with a config.json`);
    const ports = Object.fromEntries(
      (c.ports ?? []).map((p) => [p.name ?? String(p.containerPort), p.containerPort]),
    );
    const portOf = (p: string | number) => (typeof p === 'number' ? p : (ports[p] ?? Number(p)));
    const probes: Array<RenderedWorkload['probes'][number]> = [];
    for (const [kind, probe] of [
      ['liveness', c.livenessProbe],
      ['readiness', c.readinessProbe],
    ] as const)
      if (probe?.httpGet) probes.push({ kind, path: probe.httpGet.path, port: portOf(probe.httpGet.port) });
    out.push({
      deployment: name,
      app: component,
      env: Object.fromEntries(
        (c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
      ),
      configMountPath: configMount.mountPath,
      config: JSON.parse(text) as Record<string, unknown>,
      emptyDirs: mounts.filter((m) => m.volume?.emptyDir).map((m) => m.mountPath),
      ports,
      probes,
      readOnlyRootFilesystem: c.securityContext?.readOnlyRootFilesystem === true,
      replicas: dep.spec?.replicas ?? 1,
    });
  }
  return out;
}
