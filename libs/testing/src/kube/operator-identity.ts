/**
 * The tenant operator's identity as deployed: applies the Namespace, ServiceAccount and RBAC of
 * its install manifests (infra/k8s/operator/10-operator.yaml, generated from the operator's
 * install chart and kept in sync by a drift test; not the Deployment) and returns a kubeconfig
 * for the `tenant-operator` ServiceAccount. Tests that run the operator with it exercise exactly
 * the permissions production has: a missing verb fails the test instead of passing as admin.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { KubeHttp } from './kube-http.js';
import { serviceAccountKubeconfig } from './service-account.js';
import { TESTING_FIELD_MANAGER } from './crds.js';

export const OPERATOR_INSTALL_MANIFEST = fileURLToPath(
  new URL('../../../../infra/k8s/operator/10-operator.yaml', import.meta.url),
);
export const OPERATOR_NAMESPACE = 'cw-system';
export const OPERATOR_SERVICE_ACCOUNT = 'tenant-operator';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

const RESOURCES: Record<string, { plural: string; namespaced: boolean }> = {
  Namespace: { plural: 'namespaces', namespaced: false },
  ServiceAccount: { plural: 'serviceaccounts', namespaced: true },
  ClusterRole: { plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { plural: 'clusterrolebindings', namespaced: false },
  Role: { plural: 'roles', namespaced: true },
  RoleBinding: { plural: 'rolebindings', namespaced: true },
};

function objectPath(obj: Obj): string {
  const resource = RESOURCES[obj.kind];
  if (!resource) throw new Error(`operator install manifest: no path known for kind ${obj.kind}`);
  const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
  const ns = resource.namespaced ? `/namespaces/${obj.metadata.namespace ?? 'default'}` : '';
  return `${base}${ns}/${resource.plural}/${obj.metadata.name}`;
}

/** The identity objects of the install manifest, in order (Namespace first). */
export function operatorIdentityObjects(manifest = OPERATOR_INSTALL_MANIFEST): Obj[] {
  return parseAllDocuments(readFileSync(manifest, 'utf8'))
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => !!o && o.kind in RESOURCES);
}

let installed: Map<string, Promise<string>> | undefined;

/** Applies the operator's identity (idempotent, once per process and cluster) and returns its ServiceAccount kubeconfig. */
export function installOperatorIdentity(adminKubeconfig: string): Promise<string> {
  installed ??= new Map();
  let pending = installed.get(adminKubeconfig);
  if (!pending) {
    pending = (async () => {
      const http = await KubeHttp.create(adminKubeconfig);
      for (const obj of operatorIdentityObjects()) {
        await http.request(
          'PATCH',
          `${objectPath(obj)}?fieldManager=${TESTING_FIELD_MANAGER}&force=true`,
          obj,
          'application/apply-patch+yaml',
        );
      }
      return serviceAccountKubeconfig({
        adminKubeconfig,
        namespace: OPERATOR_NAMESPACE,
        serviceAccount: OPERATOR_SERVICE_ACCOUNT,
      });
    })();
    pending.catch(() => installed?.delete(adminKubeconfig));
    installed.set(adminKubeconfig, pending);
  }
  return pending;
}
