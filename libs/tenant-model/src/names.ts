/**
 * Naming rules. A tenant's slug is its Tenant object's metadata.name and becomes the namespace
 * `tenant-<slug>` and a prefix of cloud resource names, so it is a DNS-1123 label short enough
 * to leave room for those prefixes.
 */
export const SLUG_MIN = 3;
export const SLUG_MAX = 40;
export const SLUG_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
const slugRe = new RegExp(SLUG_PATTERN);

/** Names that would collide with system namespaces, platform hostnames or confuse customers. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'admin',
  'administrator',
  'api',
  'app',
  'apps',
  'auth',
  'billing',
  'cerebro',
  'contextweaver',
  'control-plane',
  'console',
  'dashboard',
  'default',
  'dns',
  'docs',
  'gateway',
  'help',
  'internal',
  'istio-system',
  'kube-node-lease',
  'kube-public',
  'kube-system',
  'login',
  'mail',
  'metrics',
  'monitoring',
  'operator',
  'platform',
  'root',
  'security',
  'status',
  'support',
  'system',
  'tenant',
  'tenants',
  'test',
  'www',
]);
const reservedPrefixes = ['kube-', 'istio-', 'system-', 'openshift-'];

/** Returns why a slug is unacceptable, or undefined when it is fine. */
export function slugProblem(slug: string): string | undefined {
  if (slug.length < SLUG_MIN || slug.length > SLUG_MAX) {
    return `must be ${SLUG_MIN}-${SLUG_MAX} characters long (got ${slug.length})`;
  }
  if (!slugRe.test(slug)) {
    return 'must be lowercase letters, digits and hyphens, start with a letter and not end with a hyphen';
  }
  if (slug.includes('--')) return 'must not contain two hyphens in a row';
  if (RESERVED_SLUGS.has(slug) || reservedPrefixes.some((p) => slug.startsWith(p))) {
    return `"${slug}" is reserved; choose another name`;
  }
  return undefined;
}

/** Turns an organisation name into a slug suggestion (which may still be taken or reserved). */
export function suggestSlug(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  const cut = ascii.slice(0, SLUG_MAX).replace(/-+$/, '');
  return cut.length >= SLUG_MIN ? cut : `${cut || 'org'}-team`.slice(0, SLUG_MAX);
}

export const HOSTNAME_MAX = 253;
/** A lowercase DNS name with at least two labels; no wildcard, no trailing dot. */
export const HOSTNAME_PATTERN = '^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$';
const hostnameRe = new RegExp(HOSTNAME_PATTERN);

export function hostnameProblem(hostname: string): string | undefined {
  if (hostname.length > HOSTNAME_MAX) return `must be at most ${HOSTNAME_MAX} characters`;
  if (hostname !== hostname.toLowerCase()) return 'must be lowercase';
  if (hostname.includes('*')) return 'must not be a wildcard';
  if (!hostnameRe.test(hostname)) {
    return 'must be a DNS name such as "acme.contextweaver.app" (lowercase labels of letters, digits and hyphens, separated by dots)';
  }
  return undefined;
}

/** Engine names become Deployment names `engine-<name>`: a short DNS-1123 label. */
export const ENGINE_NAME_PATTERN = '^[a-z]([-a-z0-9]{0,28}[a-z0-9])?$';
/** Plugin identifiers: `name` or `scope/name`, optionally `@version`. */
export const PLUGIN_PATTERN = '^[a-z0-9][-a-z0-9_.]*(/[a-z0-9][-a-z0-9_.]*)?(@[0-9A-Za-z.+-]+)?$';
/** Kubernetes resource quantity (e.g. 500m, 2, 4Gi). */
export const QUANTITY_PATTERN = '^([0-9]+(\\.[0-9]+)?)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$';
/** A container image reference: registry/path:tag or @sha256 digest. */
export const IMAGE_PATTERN =
  '^[a-z0-9]([-a-z0-9._/:]*[a-z0-9])?(:[A-Za-z0-9_][-A-Za-z0-9_.]{0,127})?(@sha256:[a-f0-9]{64})?$';
