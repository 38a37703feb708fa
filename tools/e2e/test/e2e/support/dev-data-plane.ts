/**
 * The pieces of `npm start`'s local data plane (tools/dev) the kube-local journey reuses: reading
 * a tenant's workloads from its Kubernetes objects, localizing their configs, mounting the tenant
 * vault's secrets, and the `<slug>.localtest.me` router. tools/dev is an application (nothing may
 * import it through a package name), so the journey's tests reach these modules by path, here
 * only, rather than keeping copies of them.
 */
/* eslint-disable @nx/enforce-module-boundaries -- test code reusing the launcher's data-plane modules (see above) */
export {
  renderedWorkloads,
  type RenderedWorkload,
} from '../../../../dev/src/data-plane/rendered-workloads.js';
export { localize, type LocalPorts, type LocalWorkload } from '../../../../dev/src/data-plane/localize.js';
export { tenantVaultMount, type TenantVaultMount } from '../../../../dev/src/data-plane/tenant-vault.js';
export { startLocalRouter } from '../../../../dev/src/data-plane/local-router.js';
export { pickPort } from '../../../../dev/src/data-plane/local-ports.js';
