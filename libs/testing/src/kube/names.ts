// Unique, DNS-1123-label-safe names so tests never collide, within a run or across runs
// against a shared TEST_KUBECONFIG cluster.
import { randomBytes } from 'node:crypto';

/** Label on namespaces created by createTestNamespace; value = the run id. */
export const TEST_RUN_LABEL = 'testing.contextweaver.io/run';

let counter = 0;

/**
 * `<prefix>-<worker><counter>-<random>`, lower-case, at most `maxLength` (default 63) characters,
 * valid as a namespace or object name.
 */
export function uniqueName(prefix = 't', maxLength = 63): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 't';
  const worker = (process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? '0').replace(/\D/g, '');
  const suffix = `-${worker}${(counter++).toString(36)}-${randomBytes(3).toString('hex')}`;
  return `${clean.slice(0, Math.max(1, maxLength - suffix.length)).replace(/-+$/, '')}${suffix}`;
}

/**
 * A tenant slug for tests: short enough that `tenant-<slug>` and the operator's derived names
 * (`<slug>-cerebro`, `<slug>-engine-<name>`) stay within 63 characters.
 */
export function uniqueTenantName(prefix = 'tn'): string {
  return uniqueName(prefix, 30);
}
