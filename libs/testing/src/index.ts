/**
 * Test harnesses live behind sub-path exports so a test loads only what it uses:
 * `@cw/testing/kube` (real control plane, emulated node, fault proxy), `@cw/testing/oidc`,
 * `@cw/testing/stripe`, `@cw/testing/browser`.
 */
export { uniqueName, uniqueTenantName } from './kube/names.js';
