/**
 * TenantChart: every object of one tenant, composed from one construct per concern.
 * Problems only visible while rendering (a vault kind the cloud cannot mount, an endpoint in
 * another tenant's namespace) are collected from every construct, so all are reported at once.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  cerebroImage,
  cerebroReplicas,
  effectiveQuota,
  engineImage,
  engineReplicas,
  tenantOnboarding,
  type Tenant,
  type ValidationIssue,
} from '@cw/tenant-model';
import { bindingEgressTargets, type EgressTarget } from './endpoints.js';
import { engineConfig, ENGINE_SALT_SECRET } from './engine-config.js';
import type { ResolvedRenderOptions } from './options.js';
import { addObject, RenderIssue } from './constructs/api.js';
import {
  cerebroConfig,
  engineSigningKeyRefs,
  FIRST_MANAGERS_SECRET,
  SESSION_KEY_SECRET,
} from './cerebro-config.js';
import { Cerebro, CEREBRO_NAME, CEREBRO_PORT } from './constructs/cerebro.construct.js';
import { McpEngine } from './constructs/mcp-engine.construct.js';
import { MeshIsolation } from './constructs/mesh-isolation.construct.js';
import { NetworkIsolation } from './constructs/network-isolation.construct.js';
import type { Placement } from './constructs/pod.js';
import { Quotas } from './constructs/quotas.construct.js';
import { Routing } from './constructs/routing.construct.js';
import { TenantNamespace } from './constructs/tenant-namespace.construct.js';
import { VaultSecrets, type VaultSecretRef } from './constructs/vault-secrets.construct.js';
import { WorkloadIdentity } from './constructs/workload-identity.construct.js';
import { CONFIG_MAP_MAX_BYTES, tenantConfigMapManifest, type ConfigFile } from './constructs/workload.js';

export interface TenantChartProps {
  /** A validated Tenant (defaults applied). */
  readonly tenant: Tenant;
  readonly options: ResolvedRenderOptions;
}

export { SESSION_KEY_SECRET } from './cerebro-config.js';

export class TenantChart extends Chart {
  readonly issues: ValidationIssue[] = [];

  constructor(scope: Construct, id: string, props: TenantChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { tenant, options } = props;
    const slug = tenant.metadata.name;
    const spec = tenant.spec;
    const ns = new TenantNamespace(this, 'namespace', { slug, plan: spec.plan }).name;
    const identity = new WorkloadIdentity(this, 'identity', {
      slug,
      namespace: ns,
      cloud: spec.cloud.provider,
      identity: spec.bindings.identity,
    });
    // Two mounts: cerebro's secrets (its signing keys can mint tokens for every engine) never
    // reach an engine pod, and the engines' audit salt never reaches cerebro.
    const cerebroRefs: VaultSecretRef[] = [
      ...(spec.bindings.vault ? [{ key: SESSION_KEY_SECRET }, { key: FIRST_MANAGERS_SECRET }] : []),
      ...(spec.identity?.clientSecretRef ? [{ key: spec.identity.clientSecretRef.key }] : []),
      ...engineSigningKeyRefs(tenant),
    ];
    const engineRefs: VaultSecretRef[] =
      spec.bindings.vault && spec.engines.length > 0 ? [{ key: ENGINE_SALT_SECRET }] : [];
    const vaultMount = (id: string, name: string, refs: VaultSecretRef[]) =>
      this.attempt(
        () =>
          new VaultSecrets(this, id, {
            slug,
            namespace: ns,
            cloud: spec.cloud.provider,
            region: spec.cloud.region,
            vault: spec.bindings.vault,
            identity: spec.bindings.identity,
            secrets: refs,
            options,
            name,
          }).volume,
      );
    const cerebroSecrets = vaultMount('cerebro-vault', 'cerebro-vault', cerebroRefs);
    const secrets = vaultMount('vault', 'tenant-vault', engineRefs);
    const egress = this.attempt(() => bindingEgressTargets(slug, spec)) ?? ([] as EgressTarget[]);
    const cerebroSelector = { 'app.kubernetes.io/name': CEREBRO_NAME };
    new NetworkIsolation(this, 'network', {
      slug,
      namespace: ns,
      cloud: spec.cloud.provider,
      gatewayNamespace: options.gatewayNamespace,
      ingressPodLabels: cerebroSelector,
      ingressPort: CEREBRO_PORT,
      dnsNamespace: options.dnsNamespace,
      dnsPodLabels: options.dnsPodLabels,
      meshNamespace: options.meshNamespace,
      egress,
    });
    new MeshIsolation(this, 'mesh', {
      slug,
      namespace: ns,
      trustDomain: options.trustDomain,
      gatewayNamespace: options.gatewayNamespace,
      gatewayServiceAccount: options.gatewayServiceAccount,
      ingressPort: CEREBRO_PORT,
    });
    new Quotas(this, 'quotas', { slug, namespace: ns, quota: effectiveQuota(spec) });

    const placement: Placement | undefined =
      spec.isolation === 'dedicated' && options.dedicatedNodePools
        ? {
            nodeSelector: { [options.nodePoolLabel]: slug },
            tolerations: [
              { key: options.nodePoolLabel, operator: 'Equal', value: slug, effect: 'NoSchedule' },
            ],
          }
        : undefined;
    const common = {
      slug,
      namespace: ns,
      podLabels: identity.podLabels,
      ...(placement ? { placement } : {}),
    };
    const cerebro = new Cerebro(this, 'cerebro', {
      ...common,
      image: cerebroImage(spec),
      replicas: cerebroReplicas(spec),
      // A binding problem (e.g. no database yet) is reported as a render issue naming the field.
      config: this.attempt(() => cerebroConfig(tenant, cerebroSecrets)) ?? {},
      ...(cerebroSecrets ? { secrets: cerebroSecrets } : {}),
      pdbApiVersion: options.capabilities.podDisruptionBudget,
    });
    const configFiles: ConfigFile[] = [cerebro.configFile];
    const onboarding = tenantOnboarding(tenant);
    spec.engines.forEach((engine, index) => {
      const config = this.attempt(() => engineConfig(tenant, index, secrets));
      if (!config) return;
      const mcpEngine = new McpEngine(this, `engine-${engine.name}`, {
        ...common,
        engine: engine.name,
        image: engineImage(engine),
        replicas: engineReplicas(spec, engine),
        config,
        ...(secrets ? { secrets } : {}),
        ...(onboarding ? { onboarding } : {}),
        pdbApiVersion: options.capabilities.podDisruptionBudget,
      });
      configFiles.push(mcpEngine.configFile);
    });
    // Every workload's config file in one ConfigMap, each Deployment mounting its own key (ADR 0005).
    const configBytes = configFiles.reduce(
      (n, f) => n + Buffer.byteLength(f.key) + Buffer.byteLength(f.text),
      0,
    );
    if (configBytes > CONFIG_MAP_MAX_BYTES)
      this.issues.push({
        path: 'spec.engines',
        message: `the config files of cerebro and the ${spec.engines.length} engines take ${configBytes} bytes, over the ${CONFIG_MAP_MAX_BYTES} one ConfigMap holds; use fewer engines or a smaller pluginConfig`,
      });
    addObject(this, 'config', tenantConfigMapManifest(slug, ns, configFiles));
    new Routing(this, 'routing', {
      slug,
      namespace: ns,
      hostname: spec.hostname,
      mode: spec.routing.mode,
      service: CEREBRO_NAME,
      port: CEREBRO_PORT,
      gateway: { namespace: options.gatewayNamespace, name: options.gatewayName },
      ingressClassName: options.ingressClassName,
    });
  }

  private attempt<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof RenderIssue)) throw error;
      // Cerebro and every engine read the same bindings: one missing binding is one issue.
      if (!this.issues.some((i) => i.path === error.path && i.message === error.problem))
        this.issues.push({ path: error.path, message: error.problem });
      return undefined;
    }
  }
}
