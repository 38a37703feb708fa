/**
 * What the operator knows of the cluster without asking: a list + watch cache of Tenants and of
 * every object it manages (one cache per managed kind, filtered by the managed-by label and
 * indexed by tenant). Reconciles read from here, so checking an unchanged tenant costs no
 * request at all; changes to owned objects (a Deployment becoming ready, an object deleted by
 * hand) wake the owning tenant.
 */
import {
  MANAGED_RESOURCES,
  apiGroup,
  chooseCapabilities,
  managedResource,
  managedSelector,
  objectKey,
  servedApiVersion,
  type ApiCapabilities,
  type KubeObject,
  type ManagedResource,
} from '@cw/k8s-charts';
import {
  Reflector,
  resourcePath,
  type KubeClient,
  type ObjectLike,
  type ReflectorEvent,
} from '@cw/k8s-client';
import { LABEL_TENANT, TENANT_API_VERSION, TENANT_PLURAL, type Tenant } from '@cw/tenant-model';
import { workloadStatus, type DeploymentLike } from './reconcile/status.js';

export interface ClusterCacheOptions {
  readonly client: KubeClient;
  readonly onTenant: (type: ReflectorEvent, tenant: Tenant, previous?: Tenant) => void;
  /** An owned object of tenant `slug` changed. */
  readonly onOwned: (slug: string, type: ReflectorEvent, obj: KubeObject) => void;
  readonly onError: (what: string, error: unknown) => void;
  /** @default 300 */
  readonly watchTimeoutSeconds?: number;
  /** Label selector limiting which Tenants are cached (and so reconciled). @default all */
  readonly tenantSelector?: string;
}

interface OwnedCache {
  readonly resource: ManagedResource;
  readonly apiVersion: string;
  readonly reflector: Reflector<KubeObject>;
}

/**
 * Annotations written by others that the operator never sets, so never compares: kubectl's copy of
 * the last applied object (large), and the revision the deployment controller stamps on every
 * Deployment once it has created its ReplicaSet (kept, that stamp woke each tenant once per
 * Deployment for nothing: 2 of its 5 reconciles on a cold start).
 */
const IGNORED_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
];

/**
 * What an owned object's cache keeps: the fields drift detection compares (labels, annotations
 * and the body), readiness for Deployments (their status), and the bookkeeping of the watch.
 * Dropped: managedFields, annotations other writers keep up to date and the operator never sets
 * (IGNORED_ANNOTATIONS), uid, timestamps, and the status of every other kind — a large share of
 * memory at 1,000 tenants, never read.
 */
export function trimOwned(
  obj: ObjectLike,
  keepStatus: boolean,
  dropFields: readonly string[] = [],
): KubeObject {
  const { metadata = {}, status, ...rest } = obj as ObjectLike & { status?: unknown };
  const { name, namespace, labels, annotations, resourceVersion, generation, deletionTimestamp } =
    metadata as Record<string, unknown>;
  let kept = annotations as Record<string, string> | undefined;
  if (kept && IGNORED_ANNOTATIONS.some((a) => a in kept!)) {
    const others = { ...kept };
    for (const a of IGNORED_ANNOTATIONS) delete others[a];
    kept = others;
  }
  const trimmed: Record<string, unknown> = {
    ...rest,
    metadata: {
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(labels !== undefined ? { labels } : {}),
      ...(kept !== undefined ? { annotations: kept } : {}),
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
      ...(generation !== undefined ? { generation } : {}),
      ...(deletionTimestamp !== undefined ? { deletionTimestamp } : {}),
    },
  };
  if (status !== undefined && keepStatus) trimmed.status = status;
  for (const field of dropFields) delete trimmed[field];
  return trimmed as unknown as KubeObject;
}

/** Deep equality of JSON values (the caches hold parsed JSON only). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every(
    (k) => k in b && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/**
 * What a Deployment's status tells a reconcile: its ready replicas (shown in the Tenant's status)
 * and whether it is ready (workloadStatus, against its own replica count: a spec that differs
 * from the desired one is a body change, which wakes the tenant anyway).
 */
function readiness(obj: KubeObject): string {
  const w = workloadStatus(obj, obj as DeploymentLike);
  return `${w.readyReplicas}|${w.ready}`;
}

/**
 * Whether a cached object's status says anything a reconcile reports: a Deployment with ready
 * replicas or ready. (Only Deployments keep a status in the cache.)
 */
export function readySignal(obj: KubeObject): boolean {
  return (obj as { status?: unknown }).status !== undefined && readiness(obj) !== '0|false';
}

/**
 * Whether a change to a cached owned object can change what a reconcile does: anything but its
 * resourceVersion in what the cache keeps (labels, annotations, body: a hand edit is drift), and
 * for Deployments their readiness (readyReplicas, ready). A Deployment's conditions being
 * re-stamped, its counts moving on the way to ready (observedGeneration, replicas, updated or
 * available replicas, written one status update at a time by the controller), or a status that the
 * cache does not even keep (ResourceQuota usage, a PDB's counts) wakes nobody: at 1,000 tenants
 * those were most of the watch events, each a full reconcile for nothing.
 */
export function ownedChangeMatters(previous: KubeObject, current: KubeObject): boolean {
  const {
    metadata: pm,
    status: ps,
    ...pBody
  } = previous as KubeObject & { status?: Record<string, unknown> };
  const { metadata: cm, status: cs, ...cBody } = current as KubeObject & { status?: Record<string, unknown> };
  const { resourceVersion: _pv, ...pMeta } = pm;
  const { resourceVersion: _cv, ...cMeta } = cm;
  if (!sameJson(pMeta, cMeta) || !sameJson(pBody, cBody)) return true;
  if (ps === cs) return false;
  // Only Deployments keep a status in the cache (trimOwned).
  return readiness(previous) !== readiness(current);
}

/**
 * Top-level fields of a kind that other controllers write and the operator never sets (so never
 * compares): a ServiceAccount's token Secrets, listed by the token controller up to v1.23. Kept,
 * each SA's update woke its tenant once more, for nothing.
 */
const DROPPED_FIELDS: Readonly<Record<string, readonly string[]>> = { ServiceAccount: ['secrets'] };

const tenantOf = (obj: ObjectLike): string | undefined =>
  (obj.metadata?.labels as Record<string, string> | undefined)?.[LABEL_TENANT];

export class ClusterCache {
  readonly tenants: Reflector<Tenant>;
  private readonly owned = new Map<string, OwnedCache>();
  private served = new Set<string>();
  capabilities: ApiCapabilities = chooseCapabilities([]);

  constructor(private readonly options: ClusterCacheOptions) {
    this.tenants = new Reflector<Tenant>({
      rest: options.client.rest,
      path: `/apis/${TENANT_API_VERSION}/${TENANT_PLURAL}`,
      ...(options.tenantSelector ? { labelSelector: options.tenantSelector } : {}),
      onEvent: (type, tenant, previous) => options.onTenant(type, tenant, previous),
      onError: (e) => options.onError('tenants', e),
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? 300,
    });
  }

  /** Discovers served versions, starts every cache and waits for their first lists. */
  async start(): Promise<void> {
    this.tenants.start();
    await this.refreshDiscovery();
    await Promise.all([
      this.tenants.waitForSync(),
      ...[...this.owned.values()].map((o) => o.reflector.waitForSync()),
    ]);
  }

  /** Starts caches for kinds that became served (a CRD installed after start). Cheap when nothing changed. */
  async refreshDiscovery(): Promise<void> {
    this.served = await this.options.client.discovery.servedGroupVersions(true);
    this.capabilities = chooseCapabilities(this.served);
    for (const resource of MANAGED_RESOURCES) {
      const key = `${resource.group}/${resource.kind}`;
      if (this.owned.has(key)) continue;
      const apiVersion = servedApiVersion(resource, this.served);
      if (!apiVersion) continue;
      const info = await this.options.client.discovery.resource(apiVersion, resource.kind);
      if (!info) continue;
      const reflector = new Reflector<KubeObject>({
        rest: this.options.client.rest,
        path: resourcePath(info),
        labelSelector: managedSelector(),
        indexBy: tenantOf,
        transform: (obj) => trimOwned(obj, resource.kind === 'Deployment', DROPPED_FIELDS[resource.kind]),
        watchTimeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
        onEvent: (type, obj, previous) => {
          if (type === 'MODIFIED' && previous && !ownedChangeMatters(previous, obj)) return;
          const slug = tenantOf(obj);
          if (slug) this.options.onOwned(slug, type, obj);
        },
        onError: (e) => this.options.onError(resource.kind, e),
      });
      this.owned.set(key, { resource, apiVersion, reflector });
      reflector.start();
    }
  }

  /** Watch events so far, by cache (Tenant or the managed kind; see Reflector.stats). */
  watchEvents(): Array<{ kind: string; own: number; parsed: number; stale: number }> {
    return [
      { kind: 'Tenant', reflector: this.tenants },
      ...[...this.owned.values()].map((o) => ({ kind: o.resource.kind, reflector: o.reflector })),
    ].map(({ kind, reflector: { stats } }) => ({
      kind,
      own: stats.ownEvents,
      parsed: stats.parsedEvents,
      stale: stats.staleEvents,
    }));
  }

  get synced(): boolean {
    return this.tenants.hasSynced && [...this.owned.values()].every((o) => o.reflector.hasSynced);
  }

  /** Kinds of MANAGED_RESOURCES the cluster does not serve (e.g. no Istio installed). */
  missingKinds(): string[] {
    return MANAGED_RESOURCES.filter((r) => !this.owned.has(`${r.group}/${r.kind}`)).map((r) => r.kind);
  }

  private cacheOf(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): OwnedCache | undefined {
    return this.owned.get(`${apiGroup(obj.apiVersion)}/${obj.kind}`);
  }

  /** The live copy of a desired object, as last seen. */
  live(obj: KubeObject): KubeObject | undefined {
    return this.cacheOf(obj)?.reflector.get(obj.metadata.namespace, obj.metadata.name);
  }

  /** Every managed object labelled for the tenant, across kinds. */
  ownedBy(slug: string): KubeObject[] {
    return [...this.owned.values()].flatMap((o) =>
      o.reflector.byIndex(slug).map((obj) => ({ ...obj, apiVersion: o.apiVersion, kind: o.resource.kind })),
    );
  }

  /**
   * The tenant's managed objects whose key (objectKey) is not in `keep` and that are not being
   * deleted: what a prune removes. Only those are copied (with apiVersion and kind), not every
   * owned object at every reconcile.
   */
  staleOwned(slug: string, keep: { has(key: string): boolean }): KubeObject[] {
    const stale: KubeObject[] = [];
    for (const o of this.owned.values())
      for (const obj of o.reflector.byIndex(slug)) {
        if (obj.metadata.deletionTimestamp) continue;
        const ref = { apiVersion: o.apiVersion, kind: o.resource.kind, metadata: obj.metadata };
        if (!keep.has(objectKey(ref)))
          stale.push({ ...obj, apiVersion: o.apiVersion, kind: o.resource.kind });
      }
    return stale;
  }

  /** Records our own write so the next reconcile does not see a stale copy. */
  wrote(obj: KubeObject): void {
    this.cacheOf(obj)?.reflector.upsert(obj);
  }

  deleted(obj: KubeObject): void {
    this.cacheOf(obj)?.reflector.remove(obj.metadata.namespace, obj.metadata.name);
  }

  isManagedKind(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
    return managedResource(apiGroup(obj.apiVersion), obj.kind) !== undefined;
  }

  async stop(): Promise<void> {
    await Promise.all([this.tenants.stop(), ...[...this.owned.values()].map((o) => o.reflector.stop())]);
  }
}
