/**
 * ClusterGateway over libs/k8s-client: server-side apply of the Tenant under the provisioner's
 * field manager, a watch (list + watch, resumed after drops) to follow its status, deletion,
 * and a watch of every Tenant for health changes. API versions of the rendered manifests follow
 * the cluster's discovery, as the operator's do.
 */
import { chooseCapabilities, type ApiCapabilities } from '@cw/k8s-charts';
import { KubeClient, Reflector } from '@cw/k8s-client';
import { TENANT_API_VERSION, TENANT_PLURAL, type Tenant } from '@cw/tenant-model';
import { WaitTimeoutError } from '../errors.js';
import type { AppliedTenant, ClusterGateway, TenantWatchEvent } from '../ports.js';

export const PROVISIONER_FIELD_MANAGER = 'cw-provisioner';
const TENANTS_PATH = `/apis/${TENANT_API_VERSION}/${TENANT_PLURAL}`;

export class KubeClusterGateway implements ClusterGateway {
  readonly server: string;

  constructor(readonly client: KubeClient) {
    this.server = client.rest.server;
  }

  /** A gateway for a kubeconfig file (KUBECONFIG). */
  static fromKubeconfig(path: string): KubeClusterGateway {
    return new KubeClusterGateway(
      KubeClient.fromKubeconfig(path, { fieldManager: PROVISIONER_FIELD_MANAGER }),
    );
  }

  /** API versions the cluster serves, for rendering what the operator will apply there. */
  async capabilities(): Promise<ApiCapabilities> {
    return chooseCapabilities(await this.client.discovery.servedGroupVersions());
  }

  async applyTenant(tenant: Tenant): Promise<AppliedTenant> {
    // Status belongs to the operator; applying it would be ignored at best.
    const { status: _status, ...object } = tenant;
    const stored = await this.client.applyObject<Tenant>(
      object as unknown as Parameters<KubeClient['applyObject']>[0],
      {
        fieldManager: PROVISIONER_FIELD_MANAGER,
      },
    );
    return { generation: stored.metadata.generation ?? 0, uid: stored.metadata.uid };
  }

  getTenant(slug: string): Promise<Tenant | undefined> {
    return this.client.getTenant(slug);
  }

  async waitForTenant(
    slug: string,
    until: (tenant: Tenant | undefined) => boolean,
    timeoutMs: number,
  ): Promise<Tenant | undefined> {
    let last: Tenant | undefined;
    let settled = false;
    return new Promise<Tenant | undefined>((resolve, reject) => {
      const check = (tenant: Tenant | undefined) => {
        last = tenant;
        if (!settled && until(tenant)) finish(() => resolve(tenant));
      };
      const reflector = new Reflector<Tenant>({
        rest: this.client.rest,
        path: TENANTS_PATH,
        // One Tenant only: the watch carries nothing else.
        fieldSelector: `metadata.name=${slug}`,
        onEvent: (type, tenant) => check(type === 'DELETED' ? undefined : tenant),
      });
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(new WaitTimeoutError(`Tenant ${slug}: not as expected within ${timeoutMs} ms`, last)),
          ),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        void reflector.stop();
        settle();
      };
      reflector.start();
      // Absence produces no event: decide on the first list.
      void reflector.waitForSync().then(() => {
        const current = reflector.get(undefined, slug);
        if (!current) check(undefined);
      });
    });
  }

  async deleteTenant(slug: string): Promise<void> {
    await this.client.deleteTenant(slug);
  }

  async watchTenants(handler: (event: TenantWatchEvent) => void): Promise<{ stop(): Promise<void> }> {
    const reflector = this.client.watchTenants((type, tenant) => handler({ type, tenant }));
    await reflector.waitForSync();
    return { stop: () => reflector.stop() };
  }
}
