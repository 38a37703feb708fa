// Classifies an API request the way kube-apiserver's RequestInfoResolver does: verb, group,
// resource, subresource, namespace, name. Used by the fault proxy for matching and counting.

export type KubeVerb =
  'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export const WRITE_VERBS: readonly KubeVerb[] = ['create', 'update', 'patch', 'delete', 'deletecollection'];
export const READ_VERBS: readonly KubeVerb[] = ['get', 'list', 'watch'];

export interface RequestInfo {
  readonly method: string;
  readonly path: string;
  readonly verb: KubeVerb;
  /** False for discovery and other non-resource URLs (/api, /apis/apps/v1, /version, /openapi/v2). */
  readonly isResource: boolean;
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function requestInfo(method: string, url: string): RequestInfo {
  const u = new URL(url, 'http://x');
  const parts = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const m = method.toUpperCase();
  const base = {
    method: m,
    path: u.pathname,
    group: '',
    version: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
  };
  let rest: string[];
  let group = '';
  let version: string;
  if (parts[0] === 'api' && parts.length >= 2) {
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return { ...base, verb: nonResourceVerb(m), isResource: false };
  }
  let watch = u.searchParams.get('watch') === 'true' || u.searchParams.get('watch') === '1';
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
  }
  if (!rest.length) return { ...base, group, version, verb: nonResourceVerb(m), isResource: false };
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1]!;
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  const [resource = '', name = '', subresource = ''] = rest;
  let verb: KubeVerb;
  switch (m) {
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = watch ? 'watch' : name ? 'get' : 'list';
  }
  return { ...base, verb, isResource: true, group, version, resource, subresource, namespace, name };
}

function nonResourceVerb(method: string): KubeVerb {
  return method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'DELETE' ? 'delete' : 'get';
}

/**
 * `resource[.group][/subresource]` — `deployments.apps`, `pods`, `pods/status`,
 * `tenants.platform.contextweaver.io/status`; the path for non-resource requests.
 */
export function resourceKey(info: RequestInfo): string {
  if (!info.isResource) return info.path;
  return `${info.resource}${info.group ? `.${info.group}` : ''}${info.subresource ? `/${info.subresource}` : ''}`;
}

/**
 * Does `pattern` name this request's resource? `deployments` matches any group; `deployments.apps`
 * one group; `pods/status` a subresource; `pods/*` the resource with or without a subresource;
 * `*` anything. A pattern starting with `/` matches a non-resource path prefix.
 */
export function resourceMatches(pattern: string, info: RequestInfo): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('/')) return !info.isResource && info.path.startsWith(pattern);
  if (!info.isResource) return false;
  const [resGroup = '', sub] = pattern.split('/', 2) as [string, string | undefined];
  const dot = resGroup.indexOf('.');
  const res = dot < 0 ? resGroup : resGroup.slice(0, dot);
  const group = dot < 0 ? undefined : resGroup.slice(dot + 1);
  if (res !== info.resource) return false;
  if (group !== undefined && group !== info.group) return false;
  if (sub === '*') return true;
  return (sub ?? '') === info.subresource;
}
