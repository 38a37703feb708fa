/**
 * KubeClient: the small API the operator and the provisioner share — server-side apply, get,
 * list, delete, status patches, and Tenant helpers (get, status, watch, wait, delete).
 */
import { TENANT_API_VERSION, TENANT_PLURAL, type Tenant, type TenantStatus } from '@cw/tenant-model';
import { Discovery, resourcePath, type ResourceInfo } from './discovery.js';
import { KubeApiError, isNotFound } from './errors.js';
import { loadKubeConfig, type KubeConfig } from './kubeconfig.js';
import { Reflector, type ReflectorEvent } from './reflector.js';
import { KubeRest, type KubeRestOptions } from './rest.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

export interface AnyObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface ApplyOptions {
  /** @default the client's field manager */
  readonly fieldManager?: string;
  /** Take over fields other managers own (a controller's desired state wins). @default true */
  readonly force?: boolean;
  readonly dryRun?: boolean;
}

export interface KubeClientOptions extends KubeRestOptions {
  /** Field manager of server-side applies. @default 'cw' */
  readonly fieldManager?: string;
}

export type DeletePropagation = 'Foreground' | 'Background' | 'Orphan';

const TENANTS_PATH = `/apis/${TENANT_API_VERSION}/${TENANT_PLURAL}`;

export class KubeClient {
  readonly rest: KubeRest;
  readonly discovery: Discovery;
  readonly fieldManager: string;

  constructor(kubeConfig: KubeConfig, options: KubeClientOptions = {}) {
    this.rest = new KubeRest(kubeConfig, options);
    this.discovery = new Discovery(this.rest);
    this.fieldManager = options.fieldManager ?? 'cw';
  }

  /** A client for a kubeconfig path (default: $KUBECONFIG, in-cluster, ~/.kube/config). */
  static fromKubeconfig(path?: string, options?: KubeClientOptions): KubeClient {
    return new KubeClient(loadKubeConfig(path), options);
  }

  /** The REST resource of a kind; throws a clear error when the cluster does not serve it. */
  async resourceOf(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const info = await this.discovery.resource(apiVersion, kind);
    if (!info) {
      throw new KubeApiError(
        404,
        'NotFound',
        `${kind} (${apiVersion}) is not served by this cluster; is its CRD installed?`,
        'GET',
        apiVersion,
      );
    }
    return info;
  }

  async pathOf(ref: ObjectRef, withName = true): Promise<string> {
    const info = await this.resourceOf(ref.apiVersion, ref.kind);
    if (info.namespaced && !ref.metadata.namespace)
      throw new Error(`${ref.kind} ${ref.metadata.name} needs a namespace`);
    return resourcePath(info, ref.metadata.namespace, withName ? ref.metadata.name : undefined);
  }

  /** Server-side apply of one object; returns the object as stored. */
  async applyObject<T = AnyObject>(obj: AnyObject, options: ApplyOptions = {}): Promise<T> {
    return this.rest.request<T>('PATCH', await this.pathOf(obj), {
      body: obj,
      contentType: 'application/apply-patch+yaml',
      query: {
        fieldManager: options.fieldManager ?? this.fieldManager,
        force: options.force ?? true,
        dryRun: options.dryRun ? 'All' : undefined,
      },
      // A forced apply cannot conflict on fields: a 409 is a transient storage conflict.
      retryConflict: true,
    });
  }

  /** Applies objects in order (namespaces before what lives in them); stops at the first failure. */
  async applyObjects<T = AnyObject>(objects: readonly AnyObject[], options: ApplyOptions = {}): Promise<T[]> {
    const applied: T[] = [];
    for (const obj of objects) applied.push(await this.applyObject<T>(obj, options));
    return applied;
  }

  async get<T = AnyObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.rest.request<T>('GET', await this.pathOf(ref));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list<T = AnyObject>(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string } = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const info = await this.resourceOf(apiVersion, kind);
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.rest.request<{
        items: T[];
        metadata: { resourceVersion: string; continue?: string };
      }>('GET', resourcePath(info, options.namespace), {
        query: { labelSelector: options.labelSelector, limit: 500, continue: cont },
      });
      // Lists omit apiVersion/kind on items; restore them so items can be re-applied or deleted.
      for (const item of page.items) items.push({ ...item, apiVersion, kind });
      cont = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (cont);
    return { items, resourceVersion };
  }

  /** Deletes an object; false when it was already gone. */
  async deleteObject(ref: ObjectRef, propagationPolicy: DeletePropagation = 'Background'): Promise<boolean> {
    try {
      await this.rest.request('DELETE', await this.pathOf(ref), {
        body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy },
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** JSON merge patch (RFC 7386), optionally on a subresource such as `status`. */
  async mergePatch<T = AnyObject>(ref: ObjectRef, patch: unknown, subresource?: string): Promise<T> {
    const path = (await this.pathOf(ref)) + (subresource ? `/${subresource}` : '');
    return this.rest.request<T>('PATCH', path, { body: patch, contentType: 'application/merge-patch+json' });
  }

  /** JSON patch (RFC 6902); use a `test` op on resourceVersion for optimistic concurrency. */
  async jsonPatch<T = AnyObject>(ref: ObjectRef, ops: unknown[], subresource?: string): Promise<T> {
    const path = (await this.pathOf(ref)) + (subresource ? `/${subresource}` : '');
    return this.rest.request<T>('PATCH', path, { body: ops, contentType: 'application/json-patch+json' });
  }

  // --- Tenants ------------------------------------------------------------------------------

  async getTenant(name: string): Promise<Tenant | undefined> {
    try {
      return await this.rest.request<Tenant>('GET', `${TENANTS_PATH}/${encodeURIComponent(name)}`);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Every Tenant (optionally by label), read in pages of `pageSize` (limit/continue). */
  async listTenants(options: { labelSelector?: string; pageSize?: number } = {}): Promise<Tenant[]> {
    const tenants: Tenant[] = [];
    let cont: string | undefined;
    do {
      const page = await this.rest.request<{ items: Tenant[]; metadata: { continue?: string } }>(
        'GET',
        TENANTS_PATH,
        { query: { labelSelector: options.labelSelector, limit: options.pageSize ?? 500, continue: cont } },
      );
      tenants.push(...page.items);
      cont = page.metadata.continue || undefined;
    } while (cont);
    return tenants;
  }

  /**
   * Replaces `status` of a Tenant (merge patch on the status subresource). With resourceVersion,
   * the write fails with 409 when the Tenant changed since it was read.
   */
  async patchTenantStatus(name: string, status: TenantStatus, resourceVersion?: string): Promise<Tenant> {
    return this.rest.request<Tenant>('PATCH', `${TENANTS_PATH}/${encodeURIComponent(name)}/status`, {
      // Merge patch replaces lists (conditions, workloads) wholesale, so the status written is the status stored.
      body: { metadata: resourceVersion ? { resourceVersion } : undefined, status },
      contentType: 'application/merge-patch+json',
      retry: resourceVersion === undefined,
    });
  }

  /** Deletes a Tenant; with `wait`, resolves once it is gone (its finalizer has run). */
  async deleteTenant(name: string, options: { wait?: boolean; timeoutMs?: number } = {}): Promise<boolean> {
    let deleted: boolean;
    try {
      await this.rest.request('DELETE', `${TENANTS_PATH}/${encodeURIComponent(name)}`);
      deleted = true;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      deleted = false;
    }
    if (options.wait) await this.waitForTenantGone(name, options.timeoutMs ?? 120_000);
    return deleted;
  }

  /** Resolves once the Tenant no longer exists (watched, not polled); rejects after timeoutMs. */
  waitForTenantGone(name: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const reflector = new Reflector<Tenant>({
        rest: this.rest,
        path: TENANTS_PATH,
        fieldSelector: `metadata.name=${name}`,
        onEvent: (type, tenant) => {
          if (type === 'DELETED' && tenant.metadata.name === name) finish(resolve);
        },
      });
      const timer = setTimeout(
        () => finish(() => reject(new Error(`Tenant ${name} still exists after ${timeoutMs} ms`))),
        timeoutMs,
      );
      let done = false;
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        void reflector.stop();
        settle();
      };
      reflector.start();
      // Already gone when the watch began: the first list is empty.
      void reflector.waitForSync().then(() => {
        if (!reflector.get(undefined, name)) finish(resolve);
      });
    });
  }

  /**
   * Watches every Tenant through a list + watch cache; `handler` sees each change. Returns the
   * cache (get/list) — call stop() when done.
   */
  watchTenants(
    handler: (type: ReflectorEvent, tenant: Tenant) => void,
    options: { onError?: (e: unknown) => void } = {},
  ): Reflector<Tenant> {
    return new Reflector<Tenant>({
      rest: this.rest,
      path: TENANTS_PATH,
      onEvent: (type, obj) => handler(type, obj),
      ...(options.onError ? { onError: options.onError } : {}),
    }).start();
  }

  /** Resolves with the Tenant once `predicate` holds; rejects after timeoutMs (with its last state). */
  async waitForTenant(
    name: string,
    predicate: (tenant: Tenant) => boolean,
    timeoutMs: number,
  ): Promise<Tenant> {
    let last: Tenant | undefined;
    return new Promise<Tenant>((resolve, reject) => {
      const reflector = new Reflector<Tenant>({
        rest: this.rest,
        path: TENANTS_PATH,
        // A field selector keeps the watch to this one Tenant.
        fieldSelector: `metadata.name=${name}`,
        onEvent: (type, tenant) => {
          if (tenant.metadata.name !== name || type === 'DELETED') return;
          last = tenant;
          if (predicate(tenant)) finish(() => resolve(tenant));
        },
      });
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(
                `Tenant ${name}: condition not met within ${timeoutMs} ms; last status: ${JSON.stringify(last?.status ?? null)}`,
              ),
            ),
          ),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        void reflector.stop();
        settle();
      };
      reflector.start();
    });
  }
}
