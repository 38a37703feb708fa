/**
 * Render options from environment variables: one mapping shared by the operator (its config)
 * and `cw render` (so a preview uses the very settings the operator runs with). A bad value
 * throws with the variable's name.
 */
import { z } from 'zod';
import type { TenantRenderOptions } from './options.js';

const name = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    'must be a Kubernetes name (lowercase letters, digits, - and .)',
  );
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const schema = z.object({
  GATEWAY_NAMESPACE: name.optional(),
  GATEWAY_NAME: name.optional(),
  GATEWAY_SERVICE_ACCOUNT: name.optional(),
  INGRESS_CLASS_NAME: name.optional(),
  ROUTING_DEFAULT_MODE: z.enum(['gateway', 'ingress']).optional(),
  DNS_NAMESPACE: name.optional(),
  MESH_NAMESPACE: name.optional(),
  MESH_TRUST_DOMAIN: z.string().min(1).optional(),
  EXTERNAL_SECRET_STORE: name.optional(),
  EXTERNAL_SECRET_STORE_KIND: z.enum(['ClusterSecretStore', 'SecretStore']).optional(),
  AZURE_TENANT_ID: z.string().min(1).optional(),
  DEDICATED_NODE_POOLS: bool.optional(),
  NODE_POOL_LABEL: z.string().min(1).optional(),
});

/** Environment variables read by renderOptionsFromEnv, with what they set. */
export const RENDER_ENV_VARS: Readonly<Record<keyof z.infer<typeof schema>, string>> = {
  GATEWAY_NAMESPACE: 'namespace of the shared ingress gateway (default istio-ingress)',
  GATEWAY_NAME: 'Gateway that HTTPRoutes attach to (default cw-gateway)',
  GATEWAY_SERVICE_ACCOUNT: "gateway pods' service account (default <GATEWAY_NAME>-istio)",
  INGRESS_CLASS_NAME: 'IngressClass for routing mode ingress (default istio)',
  ROUTING_DEFAULT_MODE:
    'gateway or ingress, for Tenants that leave spec.routing.mode unset (default gateway)',
  DNS_NAMESPACE: 'namespace of cluster DNS (default kube-system)',
  MESH_NAMESPACE: 'namespace of istiod (default istio-system)',
  MESH_TRUST_DOMAIN: 'mesh trust domain (default cluster.local)',
  EXTERNAL_SECRET_STORE: 'External Secrets store for kubernetes vaults (default cw-tenant-vault)',
  EXTERNAL_SECRET_STORE_KIND: 'ClusterSecretStore or SecretStore (default ClusterSecretStore)',
  AZURE_TENANT_ID: 'Entra ID tenant for the Key Vault CSI provider',
  DEDICATED_NODE_POOLS: 'pin dedicated tenants to their node pool (default true)',
  NODE_POOL_LABEL: 'node label/taint key of dedicated pools (default platform.contextweaver.io/tenant-pool)',
};

export class RenderOptionsError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'RenderOptionsError';
  }
}

export function renderOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
): TenantRenderOptions {
  const present = Object.fromEntries(
    Object.keys(RENDER_ENV_VARS).flatMap((k) => (env[k] ? [[k, env[k]]] : [])),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RenderOptionsError(String(issue.path[0]), issue.message);
  }
  const e = parsed.data;
  const store = e.EXTERNAL_SECRET_STORE || e.EXTERNAL_SECRET_STORE_KIND;
  return {
    ...(e.GATEWAY_NAMESPACE ? { gatewayNamespace: e.GATEWAY_NAMESPACE } : {}),
    ...(e.GATEWAY_NAME ? { gatewayName: e.GATEWAY_NAME } : {}),
    ...(e.GATEWAY_SERVICE_ACCOUNT ? { gatewayServiceAccount: e.GATEWAY_SERVICE_ACCOUNT } : {}),
    ...(e.INGRESS_CLASS_NAME ? { ingressClassName: e.INGRESS_CLASS_NAME } : {}),
    ...(e.ROUTING_DEFAULT_MODE ? { defaultRoutingMode: e.ROUTING_DEFAULT_MODE } : {}),
    ...(e.DNS_NAMESPACE ? { dnsNamespace: e.DNS_NAMESPACE } : {}),
    ...(e.MESH_NAMESPACE ? { meshNamespace: e.MESH_NAMESPACE } : {}),
    ...(e.MESH_TRUST_DOMAIN ? { trustDomain: e.MESH_TRUST_DOMAIN } : {}),
    ...(store
      ? {
          externalSecretStore: {
            name: e.EXTERNAL_SECRET_STORE ?? 'cw-tenant-vault',
            kind: e.EXTERNAL_SECRET_STORE_KIND ?? 'ClusterSecretStore',
          },
        }
      : {}),
    ...(e.AZURE_TENANT_ID ? { azureTenantId: e.AZURE_TENANT_ID } : {}),
    ...(e.DEDICATED_NODE_POOLS !== undefined ? { dedicatedNodePools: e.DEDICATED_NODE_POOLS } : {}),
    ...(e.NODE_POOL_LABEL ? { nodePoolLabel: e.NODE_POOL_LABEL } : {}),
  };
}
