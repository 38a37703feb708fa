/**
 * The reconcile of one Tenant, in the kubebuilder/Capsule shape: not found → done; deleting →
 * finalize; ensure the finalizer; run the named phases (namespace, identity, policies, quotas,
 * workloads, routing), each applying with server-side apply only what differs from what was last
 * applied; prune what carries the tenant's labels but is no longer desired; aggregate phase
 * errors; write status in a `finally`, and only when it changed (a status that only says "still
 * rolling out" once it has stood for a moment: a quick rollout writes its outcome alone).
 */
import {
  ANNOTATION_APPLIED_HASH,
  objectKey,
  renderTenantManifest,
  type KubeObject,
  type PhaseObjects,
  type TenantRenderOptions,
} from '@cw/k8s-charts';
import { describeError, isNotFound, type EventRecorder, type KubeClient } from '@cw/k8s-client';
import {
  TENANT_API_VERSION,
  TENANT_KIND,
  tenantNamespace,
  tenantUrl,
  type Tenant,
  type TenantStatus,
  type ValidationIssue,
  type WorkloadStatus,
} from '@cw/tenant-model';
import type { ClusterCache } from '../cluster-cache.js';
import type { OperatorMetrics } from '../metrics.js';
import { applyReason, type ApplyReason } from './drift.js';
import { addFinalizer, hasFinalizer, removeFinalizer } from './finalizer.js';
import {
  computeStatus,
  statusChanged,
  workloadStatus,
  type DeploymentLike,
  type Outcome,
  type PhaseError,
} from './status.js';

export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface ReconcilerDeps {
  readonly client: KubeClient;
  readonly cache: ClusterCache;
  readonly renderOptions: () => TenantRenderOptions;
  readonly events: EventRecorder;
  readonly metrics: OperatorMetrics;
  readonly log: Log;
  /** @default 'tenant-operator' */
  readonly fieldManager?: string;
  /** Applies in flight per phase. @default 8 */
  readonly applyConcurrency?: number;
  /** How often a deleting tenant checks whether its namespace is gone. @default 2_000 */
  readonly deletePollMs?: number;
  /**
   * How long a rolling-out status (Provisioning, or Suspended while scaling down) waits before it
   * is written; a rollout that ends sooner costs one status write (its outcome) instead of one per
   * readiness change. 0 writes every change at once. @default 1_000
   */
  readonly statusSettleMs?: number;
  /**
   * The settle time of a tenant's first status (it has none yet): a new tenant's rollout (its
   * namespace, pods scheduled and started) takes longer than a later change's, and until its first
   * status the tenant shows no phase, which says "not there yet" as truthfully as Provisioning
   * would. @default statusSettleMs
   */
  readonly statusFirstSettleMs?: number;
  readonly now?: () => Date;
}

/**
 * A tenant's rendering as kept between reconciles: the objects grouped by phase (never mutated:
 * they are only read and sent), the same objects by objectKey (what pruning keeps, and what
 * holdsDesired compares with), or why it cannot render.
 */
type CachedManifest =
  | {
      key: string;
      objects: KubeObject[];
      phases: PhaseObjects[];
      byKey: ReadonlyMap<string, KubeObject>;
      suspended: boolean;
      url: string;
    }
  | { key: string; issues: ValidationIssue[] };

type Rendered =
  | {
      ok: true;
      objects: KubeObject[];
      phases: PhaseObjects[];
      byKey: ReadonlyMap<string, KubeObject>;
      suspended: boolean;
      url: string;
    }
  | { ok: false; issues: readonly ValidationIssue[] };

export class ReconcileError extends Error {
  constructor(
    readonly tenant: string,
    readonly errors: readonly PhaseError[],
  ) {
    super(`tenant ${tenant}: ${errors.map((e) => `${e.phase}: ${e.message}`).join('; ')}`);
    this.name = 'ReconcileError';
  }
}

/** Runs fn over items with at most `limit` in flight; collects failures instead of stopping. */
async function eachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<Array<{ item: T; error: unknown }>> {
  const failures: Array<{ item: T; error: unknown }> = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failures.push({ item, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return failures;
}

/** Consecutive runs of one kind (objects come sorted in apply order). */
function byKind(objects: readonly KubeObject[]): KubeObject[][] {
  const groups: KubeObject[][] = [];
  for (const obj of objects) {
    const last = groups.at(-1);
    if (last && last[0]!.kind === obj.kind && last[0]!.apiVersion === obj.apiVersion) last.push(obj);
    else groups.push([obj]);
  }
  return groups;
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

const describeObject = (o: KubeObject) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** A status that only says "still rolling out": worth holding back briefly, unlike an outcome. */
const rollingOut = (status: TenantStatus): boolean =>
  status.phase === 'Provisioning' ||
  (status.phase === 'Suspended' &&
    status.conditions?.some((c) => c.type === 'Progressing' && c.status === 'True') === true);

export class TenantReconciler {
  private readonly desired = new Map<string, CachedManifest>();
  /**
   * Live copies already found to hold every field of the desired object with this applied hash.
   * The caches replace an object on every change (never mutate it), so a live copy seen again is
   * unchanged and need not be compared again: a reconcile woken by one Deployment's readiness, or
   * an idle resync, walks no object trees. Weak: a replaced copy is forgotten with it.
   */
  private readonly verified = new WeakMap<KubeObject, string>();
  private capabilitiesKey: { of: unknown; key: string } | undefined;
  /** Tenants whose rolling-out status is being held back, and since when (ms). */
  private readonly held = new Map<string, number>();
  private readonly fieldManager: string;

  constructor(private readonly deps: ReconcilerDeps) {
    this.fieldManager = deps.fieldManager ?? 'tenant-operator';
  }

  private now(): string {
    return (this.deps.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /**
   * Rendering is pure: reuse it until the spec (generation) or the cluster's capabilities change.
   * Kept parsed (≈ 19 KB per tenant, against ≈ 17 KB as one JSON string): parsing the string back
   * at every reconcile was ≈ 3 % of the operator's CPU in a cold start, for 2 MB at 1,000 tenants.
   */
  private manifestFor(tenant: Tenant): Rendered {
    const options = this.deps.renderOptions();
    // The capabilities object changes only on discovery: stringify it once per change.
    if (!this.capabilitiesKey || this.capabilitiesKey.of !== options.capabilities)
      this.capabilitiesKey = {
        of: options.capabilities,
        key: JSON.stringify(options.capabilities ?? {}),
      };
    const key = `${tenant.metadata.uid}|${tenant.metadata.generation}|${this.capabilitiesKey.key}`;
    let cached = this.desired.get(tenant.metadata.name);
    if (cached?.key !== key) {
      // Status is ours and not part of what is validated: a malformed status must not make the spec "invalid".
      const { status: _status, ...withoutStatus } = tenant;
      const manifest = renderTenantManifest(withoutStatus, options);
      // Frozen: the kept objects are shared by every later reconcile; a mutation would be silent drift.
      if (manifest.ok) deepFreeze(manifest.objects);
      cached = manifest.ok
        ? {
            key,
            objects: manifest.objects,
            phases: manifest.phases,
            byKey: new Map(manifest.objects.map((o) => [objectKey(o), o])),
            suspended: manifest.tenant.spec.suspended,
            url: tenantUrl(manifest.tenant.spec),
          }
        : { key, issues: manifest.issues };
      this.desired.set(tenant.metadata.name, cached);
    }
    if ('issues' in cached) return { ok: false, issues: cached.issues };
    return { ok: true, ...cached };
  }

  /**
   * Whether `live` (an object the watch just reported, with its apiVersion and kind) is one the
   * tenant's last rendering wants, holding every desired field: nothing for a reconcile to do
   * about it. Verified like reasonToApply, so the reconcile that reads it next compares nothing.
   */
  holdsDesired(slug: string, live: KubeObject): boolean {
    const cached = this.desired.get(slug);
    if (!cached || 'issues' in cached || !live.apiVersion || !live.kind) return false;
    const desired = cached.byKey.get(objectKey(live));
    // Only the cached copy is vouched for (not an older or other version of the object).
    return (
      desired !== undefined &&
      this.deps.cache.live(desired) === live &&
      this.reasonToApply(desired, live) === undefined
    );
  }

  /** applyReason, skipping the comparison for a live copy already verified against this hash. */
  private reasonToApply(obj: KubeObject, live = this.deps.cache.live(obj)): ApplyReason {
    const hash = obj.metadata.annotations?.[ANNOTATION_APPLIED_HASH];
    if (live && hash !== undefined && this.verified.get(live) === hash) return undefined;
    const reason = applyReason(obj, live);
    if (!reason && live && hash !== undefined) this.verified.set(live, hash);
    return reason;
  }

  /**
   * `lane`: where the work queue took the tenant from. A priority run (an owned object's event,
   * e.g. a Deployment's readiness) does not write a held rolling-out status even once it is due:
   * it leaves that to the tenant's turn in the normal lane (see writeStatus).
   */
  async reconcile(
    name: string,
    signal: AbortSignal,
    lane: 'normal' | 'priority' = 'normal',
  ): Promise<{ requeueAfterMs?: number }> {
    const tenant = this.deps.cache.tenants.get(undefined, name);
    if (!tenant) {
      this.desired.delete(name);
      this.held.delete(name);
      return {};
    }
    if (tenant.metadata.deletionTimestamp) return this.finalize(tenant, signal);

    let outcome: Outcome | undefined;
    let workloads: WorkloadStatus[] = tenant.status?.workloads ?? [];
    let current = tenant;
    let failure: { error: unknown } | undefined;
    try {
      if (!hasFinalizer(tenant)) {
        current = await addFinalizer(this.deps.client, tenant);
        this.deps.cache.tenants.upsert(current);
      }
      const manifest = this.manifestFor(tenant);
      if (!manifest.ok) {
        outcome = { kind: 'invalid', issues: manifest.issues };
        await this.warn(
          tenant,
          'InvalidSpec',
          `The spec is invalid: ${manifest.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        );
      } else {
        const errors = await this.applyPhases(tenant, manifest.phases, signal);
        workloads = manifest.objects
          .filter((o) => o.kind === 'Deployment')
          .map((d) => workloadStatus(d, this.deps.cache.live(d) as DeploymentLike | undefined));
        if (!errors.some((e) => e.phase === 'namespace'))
          errors.push(
            ...(await this.prune(
              tenant,
              manifest.byKey,
              workloads.every((w) => w.ready),
            )),
          );
        outcome = {
          kind: 'applied',
          errors,
          suspended: manifest.suspended,
          url: manifest.url,
        };
        if (errors.length > 0) {
          for (const phase of new Set(errors.map((e) => e.phase))) {
            const message = errors
              .filter((e) => e.phase === phase)
              .map((e) => e.message)
              .join('; ');
            await this.warn(tenant, `${phase[0]!.toUpperCase()}${phase.slice(1)}Failed`, message);
          }
          throw new ReconcileError(name, errors);
        }
      }
    } catch (error) {
      outcome ??= {
        kind: 'applied',
        errors: [{ phase: 'reconcile', message: describeError(error) }],
        suspended: false,
      };
      failure = { error };
    }
    let requeueAfterMs: number | undefined;
    if (outcome && !signal.aborted) {
      try {
        requeueAfterMs = await this.writeStatus(current, outcome, workloads, !failure, lane === 'priority');
      } catch (statusError) {
        // Both matter: the reconcile's own error says what to fix, the status error why it is not shown.
        if (failure)
          throw new AggregateError(
            [failure.error, statusError],
            `${describeError(failure.error)}; writing status failed too: ${describeError(statusError)}`,
            { cause: failure.error },
          );
        throw statusError;
      }
    }
    if (failure) throw failure.error;
    return requeueAfterMs !== undefined ? { requeueAfterMs } : {};
  }

  private async applyPhases(
    tenant: Tenant,
    phases: readonly PhaseObjects[],
    signal: AbortSignal,
  ): Promise<PhaseError[]> {
    const errors: PhaseError[] = [];
    for (const { phase, objects } of phases) {
      if (signal.aborted) throw new Error('reconcile aborted: leadership lost or shutting down');
      const started = performance.now();
      let applied = 0;
      if (phase === 'namespace') {
        const live = this.deps.cache.live(objects[0]!);
        if (live?.metadata.deletionTimestamp) {
          errors.push({
            phase,
            message: `namespace ${live.metadata.name} is being deleted; it is re-created once it is gone`,
          });
          this.deps.metrics.phase(phase, 'error', performance.now() - started);
          break;
        }
      }
      const failures: Array<{ item: KubeObject; error: unknown }> = [];
      // Kind by kind in apply order (ConfigMaps and Services before the Deployments that use them,
      // Deployments before their PodDisruptionBudgets); objects of one kind in parallel.
      for (const group of byKind(objects)) {
        // What must be applied is decided without awaiting anything: a reconcile that finds
        // every object in place (a readiness change, an idle resync) starts no async work here.
        const todo: Array<{ obj: KubeObject; reason: NonNullable<ApplyReason> }> = [];
        for (const obj of group) {
          try {
            if (signal.aborted) throw new Error('aborted');
            this.assertIdentityExists(obj);
            const reason = this.reasonToApply(obj);
            if (reason) todo.push({ obj, reason });
          } catch (error) {
            failures.push({ item: obj, error });
          }
        }
        if (todo.length === 0) continue;
        const failed = await eachLimit(todo, this.deps.applyConcurrency ?? 8, async ({ obj, reason }) => {
          if (signal.aborted) throw new Error('aborted');
          const result = await this.deps.client.applyObject<KubeObject>(obj, {
            fieldManager: this.fieldManager,
            force: true,
          });
          this.deps.cache.wrote({ ...result, apiVersion: obj.apiVersion, kind: obj.kind });
          this.deps.metrics.applied(obj.kind, reason);
          applied++;
        });
        for (const f of failed) failures.push({ item: f.item.obj, error: f.error });
      }
      for (const f of failures)
        errors.push({ phase, message: `${describeObject(f.item)}: ${describeError(f.error)}` });
      this.deps.metrics.phase(phase, failures.length > 0 ? 'error' : 'ok', performance.now() - started);
      if (applied > 0) this.deps.log.debug({ tenant: tenant.metadata.name, phase, applied }, 'applied');
      // Nothing can live in a namespace that could not be made.
      if (phase === 'namespace' && failures.length > 0) break;
    }
    return errors;
  }

  /**
   * A Deployment is applied only once the ServiceAccount it runs as exists: otherwise the
   * ReplicaSet controller fails to create its pods ("error looking up service account") and
   * retries until it appears. The identity phase runs first; this holds when it failed.
   */
  private assertIdentityExists(obj: KubeObject): void {
    if (obj.kind !== 'Deployment') return;
    const spec = obj.spec as { template?: { spec?: { serviceAccountName?: string } } } | undefined;
    const name = spec?.template?.spec?.serviceAccountName;
    if (!name) return;
    const sa = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace: obj.metadata.namespace },
    };
    if (!this.deps.cache.live(sa))
      throw new Error(`waiting for its ServiceAccount ${name}, which does not exist yet`);
  }

  /** Deletes what carries this tenant's labels but is no longer desired (engines removed, routing mode changed). */
  private async prune(
    tenant: Tenant,
    keep: ReadonlyMap<string, unknown>,
    rolledOut: boolean,
  ): Promise<PhaseError[]> {
    // A ConfigMap no longer desired may still be mounted by pods of a rollout in progress (after an
    // upgrade from one ConfigMap per workload to the tenant's one, ADR 0005): a pod its old
    // ReplicaSet re-creates meanwhile could not start without it. It goes once every Deployment is ready.
    const stale = this.deps.cache
      .staleOwned(tenant.metadata.name, keep)
      .filter((o) => rolledOut || o.kind !== 'ConfigMap');
    const failures = await eachLimit(stale, this.deps.applyConcurrency ?? 8, async (obj) => {
      await this.deps.client.deleteObject(obj);
      this.deps.cache.deleted(obj);
      this.deps.metrics.pruned(obj.kind);
      this.deps.log.info({ tenant: tenant.metadata.name, object: describeObject(obj) }, 'pruned');
    });
    return failures.map((f) => ({
      phase: 'prune',
      message: `${describeObject(f.item)}: ${describeError(f.error)}`,
    }));
  }

  /** Deleting: remove the namespace (and with it everything the tenant owns), then the finalizer. */
  private async finalize(tenant: Tenant, signal: AbortSignal): Promise<{ requeueAfterMs?: number }> {
    if (!hasFinalizer(tenant)) return {};
    const slug = tenant.metadata.name;
    const ns = tenantNamespace(slug);
    // Objects outside the namespace would survive it: delete them explicitly.
    for (const obj of this.deps.cache
      .ownedBy(slug)
      .filter((o) => o.metadata.namespace && o.metadata.namespace !== ns)) {
      await this.deps.client.deleteObject(obj);
      this.deps.cache.deleted(obj);
    }
    const nsRef = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
    // Ask the API rather than the cache: the finalizer must only go once the namespace really is gone.
    const live = await this.deps.client.get(nsRef);
    if (live) {
      if (!live.metadata.deletionTimestamp) {
        await this.deps.client.deleteObject(nsRef);
        this.deps.log.info({ tenant: slug, namespace: ns }, 'deleting tenant namespace');
      }
      if (!signal.aborted) await this.writeStatus(tenant, { kind: 'deleting' }, []);
      return { requeueAfterMs: this.deps.deletePollMs ?? 2_000 };
    }
    try {
      await removeFinalizer(this.deps.client, tenant);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    this.desired.delete(slug);
    this.held.delete(slug);
    this.deps.log.info({ tenant: slug }, 'tenant finalized');
    return {};
  }

  /**
   * Writes the status when it changed. A rolling-out status (`mayHold`: the reconcile itself went
   * well) is held back until it has stood for `statusSettleMs` (`statusFirstSettleMs` while the
   * tenant has no status yet), and the tenant re-queued for then: a rollout that finishes
   * meanwhile writes its outcome only. Every other status (Ready, Degraded,
   * Terminating...) is written at once. Returns the re-queue delay while holding.
   *
   * The held status is written by a run from the normal lane (the re-queue, a resync, a spec
   * change), never by a priority run (`urgent`: a Deployment's readiness event), which instead
   * re-queues the tenant in the normal lane (delay 0). When the operator is idle that turn comes at
   * once; in a cold start of many tenants it comes after the first reconciles still queued, by when
   * most rollouts have finished and Ready is written alone: the operator spends its writes on
   * applying, not on interim statuses (ADR 0003).
   */
  private async writeStatus(
    tenant: Tenant,
    outcome: Outcome,
    workloads: WorkloadStatus[],
    mayHold = false,
    urgent = false,
  ): Promise<number | undefined> {
    const name = tenant.metadata.name;
    const next = computeStatus({ tenant, outcome, workloads, now: this.now() });
    if (!statusChanged(tenant.status, next)) {
      this.held.delete(name);
      return undefined;
    }
    const settleMs = tenant.status?.phase
      ? (this.deps.statusSettleMs ?? 1_000)
      : (this.deps.statusFirstSettleMs ?? this.deps.statusSettleMs ?? 1_000);
    if (mayHold && settleMs > 0 && rollingOut(next)) {
      const now = Date.now();
      const since = this.held.get(name) ?? now;
      if (!this.held.has(name)) this.held.set(name, now);
      const wait = since + settleMs - now;
      if (wait > 0) return wait;
      if (urgent) return 0;
    }
    this.held.delete(name);
    try {
      const updated = await this.deps.client.patchTenantStatus(name, next);
      this.deps.cache.tenants.upsert(updated);
      this.deps.metrics.statusWrites.inc();
      const wasReady = tenant.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      if (next.phase === 'Ready' && !wasReady)
        await this.event(tenant, 'Normal', 'Ready', `Tenant is ready at ${next.url}.`);
    } catch (error) {
      if (isNotFound(error)) return undefined; // deleted meanwhile
      this.deps.log.warn({ tenant: name, err: describeError(error) }, 'status write failed');
      throw error;
    }
    return undefined;
  }

  private warn(tenant: Tenant, reason: string, message: string): Promise<void> {
    return this.event(tenant, 'Warning', reason, message);
  }

  private async event(
    tenant: Tenant,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    await this.deps.events.record(
      {
        apiVersion: TENANT_API_VERSION,
        kind: TENANT_KIND,
        name: tenant.metadata.name,
        ...(tenant.metadata.uid ? { uid: tenant.metadata.uid } : {}),
        ...(tenant.metadata.resourceVersion ? { resourceVersion: tenant.metadata.resourceVersion } : {}),
      },
      type,
      reason,
      message,
    );
  }
}
