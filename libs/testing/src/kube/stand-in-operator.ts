/**
 * A stand-in for the tenant operator, for tests of what sits in front of it (the provisioner's
 * integration tests, the worker kill loop): it reports each generation of the Tenants it was given
 * (`adopt`) as Ready (Suspended when suspended) — or, for held ones, not ready with a message —
 * through the real status subresource, so a provisioning run's await-ready step can finish
 * without the real operator. Other Tenants of the shared test cluster are left alone. The journey
 * test and the operator's own tests run the real operator.
 *
 * Built on this lib's own list-watch and HTTP client (not @cw/k8s-client, whose tests use this lib).
 */
import {
  FINALIZER,
  TENANT_API_VERSION,
  TENANT_PLURAL,
  type Tenant,
  type TenantStatus,
} from '@cw/tenant-model';
import { KubeHttp, KubeHttpError } from './kube-http.js';
import { listWatch, type ListWatch } from './list-watch.js';

const TENANTS_PATH = `/apis/${TENANT_API_VERSION}/${TENANT_PLURAL}`;

export class StandInOperator {
  private http?: KubeHttp;
  private watch?: ListWatch;
  /** Slugs not to report Ready, with the message to report instead. */
  readonly hold = new Map<string, string>();
  /** Tenants whose deletion the stand-in saw. */
  readonly deleted = new Set<string>();
  private readonly owned = new Set<string>();

  constructor(private readonly kubeconfig: string) {}

  /** Makes `slug` one of the stand-in's Tenants; returns it. */
  adopt(slug: string): string {
    this.owned.add(slug);
    return slug;
  }

  /** Starts watching Tenants; resolves once the first list is in. */
  async start(): Promise<void> {
    const http = (this.http = await KubeHttp.create(this.kubeconfig));
    const seen = (type: 'ADDED' | 'MODIFIED' | 'DELETED', tenant: Tenant) => {
      if (!this.owned.has(tenant.metadata.name)) return;
      if (type === 'DELETED') {
        this.deleted.add(tenant.metadata.name);
        return;
      }
      // The provisioner creates Tenants with the operator's finalizer: release it as the operator would.
      if (tenant.metadata.deletionTimestamp) {
        if (tenant.metadata.finalizers?.includes(FINALIZER)) void this.release(tenant).catch(() => undefined);
        return;
      }
      void this.report(tenant).catch(() => undefined);
    };
    this.watch = listWatch<Tenant>(http, {
      path: TENANTS_PATH,
      onList: (items) => items.forEach((t) => seen('MODIFIED', t)),
      onEvent: seen,
    });
    await this.watch.synced;
  }

  async stop(): Promise<void> {
    this.watch?.stop();
  }

  /** Writes a status for the Tenant's current generation (also used to simulate drift later). */
  async setStatus(slug: string, ready: boolean, message: string): Promise<void> {
    const tenant = await this.get(slug);
    if (tenant) await this.patchStatus(slug, statusFor(tenant, ready, message));
  }

  private async get(slug: string): Promise<Tenant | undefined> {
    return this.http!.get<Tenant>(`${TENANTS_PATH}/${encodeURIComponent(slug)}`).catch((error: unknown) => {
      if (error instanceof KubeHttpError && error.statusCode === 404) return undefined;
      throw error;
    });
  }

  private async patchStatus(slug: string, status: TenantStatus): Promise<void> {
    // Merge patch replaces lists (conditions) wholesale, so the status written is the status stored.
    await this.http!.request(
      'PATCH',
      `${TENANTS_PATH}/${encodeURIComponent(slug)}/status`,
      { status },
      'application/merge-patch+json',
    );
  }

  private async release(tenant: Tenant): Promise<void> {
    // Merge patch replaces the list: every other finalizer is kept.
    await this.http!.request(
      'PATCH',
      `${TENANTS_PATH}/${encodeURIComponent(tenant.metadata.name)}`,
      {
        metadata: {
          resourceVersion: tenant.metadata.resourceVersion,
          finalizers: (tenant.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
        },
      },
      'application/merge-patch+json',
    );
  }

  private async report(tenant: Tenant): Promise<void> {
    const generation = tenant.metadata.generation ?? 0;
    const held = this.hold.get(tenant.metadata.name);
    if (
      tenant.status?.observedGeneration === generation &&
      (held === undefined) === (tenant.status.phase === 'Ready' || tenant.status.phase === 'Suspended')
    )
      return;
    await this.patchStatus(
      tenant.metadata.name,
      statusFor(tenant, held === undefined, held ?? 'all workloads ready'),
    );
  }
}

function statusFor(tenant: Tenant, ready: boolean, message: string): TenantStatus {
  const now = new Date().toISOString();
  return {
    observedGeneration: tenant.metadata.generation ?? 0,
    phase: ready ? (tenant.spec.suspended ? 'Suspended' : 'Ready') : 'Degraded',
    namespace: `tenant-${tenant.metadata.name}`,
    url: `https://${tenant.spec.hostname}`,
    conditions: [
      {
        type: 'Ready',
        status: ready ? 'True' : 'False',
        reason: ready ? 'WorkloadsReady' : 'WorkloadsNotReady',
        message,
        lastTransitionTime: now,
      },
      {
        type: 'Degraded',
        status: ready ? 'False' : 'True',
        reason: ready ? 'AsExpected' : 'WorkloadsNotReady',
        message,
        lastTransitionTime: now,
      },
    ],
  };
}
