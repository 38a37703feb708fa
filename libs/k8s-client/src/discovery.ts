/**
 * API discovery: which group/versions the server serves, and the REST resource (plural, scope)
 * of a kind. Version differences between clusters are decided here, never by version numbers.
 * Results are cached; a kind that is missing is looked up again (its CRD may arrive later).
 */
import type { KubeRest } from './rest.js';

export interface ResourceInfo {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

interface ApiResourceList {
  resources: Array<{ name: string; kind: string; namespaced: boolean }>;
}

export class Discovery {
  private groupVersions: Promise<Set<string>> | undefined;
  private readonly resources = new Map<string, Promise<Map<string, ResourceInfo>>>();

  constructor(private readonly rest: KubeRest) {}

  /** Every served group/version, e.g. `v1`, `apps/v1`, `policy/v1beta1`. */
  servedGroupVersions(refresh = false): Promise<Set<string>> {
    if (refresh || !this.groupVersions) {
      this.groupVersions = this.loadGroupVersions();
      this.groupVersions.catch(() => (this.groupVersions = undefined));
    }
    return this.groupVersions;
  }

  private async loadGroupVersions(): Promise<Set<string>> {
    const [core, groups] = await Promise.all([
      this.rest.request<{ versions: string[] }>('GET', '/api'),
      this.rest.request<{ groups: Array<{ versions: Array<{ groupVersion: string }> }> }>('GET', '/apis'),
    ]);
    return new Set([
      ...core.versions,
      ...groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion)),
    ]);
  }

  /** The resource serving `kind` in `apiVersion`, or undefined when the server does not serve it. */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    let found = (await this.resourcesOf(apiVersion)).get(kind);
    if (!found) {
      this.resources.delete(apiVersion);
      found = (await this.resourcesOf(apiVersion)).get(kind);
    }
    return found;
  }

  private resourcesOf(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    let cached = this.resources.get(apiVersion);
    if (!cached) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      cached = this.rest
        .request<ApiResourceList>('GET', path)
        .then(
          (list) =>
            new Map(
              list.resources
                .filter((r) => !r.name.includes('/'))
                .map(
                  (r) =>
                    [r.kind, { apiVersion, kind: r.kind, plural: r.name, namespaced: r.namespaced }] as const,
                ),
            ),
        )
        .catch((error: unknown) => {
          this.resources.delete(apiVersion);
          if ((error as { statusCode?: number }).statusCode === 404) return new Map<string, ResourceInfo>();
          throw error;
        });
      this.resources.set(apiVersion, cached);
    }
    return cached;
  }
}

/** REST path of a collection or of one object. */
export function resourcePath(
  info: Pick<ResourceInfo, 'apiVersion' | 'plural' | 'namespaced'>,
  namespace?: string,
  name?: string,
): string {
  const base = info.apiVersion.includes('/') ? `/apis/${info.apiVersion}` : `/api/${info.apiVersion}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${info.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
