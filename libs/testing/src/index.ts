/**
 * Test harnesses live behind sub-path exports so a test loads only what it uses:
 * `@cw/testing/kube` (real control plane, emulated node, fault proxy), `@cw/testing/oidc`,
 * `@cw/testing/stripe` (with the plan catalog), `@cw/testing/browser`, `@cw/testing/processes`
 * (the platform's processes as children: start, supervise, bundle, wait; `eventually`).
 */
export { uniqueName, uniqueTenantName } from './kube/names.js';
