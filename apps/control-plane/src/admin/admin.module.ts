/**
 * The admin API (/admin/v1, the sign-in under /admin) and, beside it, the customer's identity
 * provider page: one module for the root module to register. Adapters are chosen here from the
 * configuration: Stripe when billing is on, the cluster when KUBECONFIG is set (else render-only),
 * the provisioning pipeline (loaded on first use), the tenant's vault (@cw/vault).
 */
import { Inject, Module, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import { createBearerVerifier, createBrowserLogin } from '@cw/identity';
import type { BullmqProvisioningQueue } from '@cw/provisioning/queue';
import {
  AdminAuditLogUseCase,
  ChangePlanUseCase,
  DryRunTenantUseCase,
  ListTenantsUseCase,
  OffboardTenantUseCase,
  ProvisioningDispatcher,
  ResumeTenantUseCase,
  ResyncTenantUseCase,
  RetryTenantUseCase,
  StripeGateway,
  StripeSubscriptionBilling,
  SuspendTenantUseCase,
  TenantDetailUseCase,
  TransitionTenantUseCase,
  ChoosePluginsUseCase,
  SigningKeysUseCase,
  sharedPluginCatalog,
  renderOnlyCluster,
  type ClusterStatusReader,
  type ProvisioningOperations,
  type SubscriptionBilling,
} from '@cw/control-plane';
import type { Logger } from '@cw/observability';
import type { ControlPlaneConfig } from '../config/config.js';
import type { AppContext } from '../core/app-context.js';
import { APP_CONTEXT, CONFIG, LOGGER, STRIPE_GATEWAY } from '../core/tokens.js';
import { AdminCatalogController } from '../catalog/catalog.controller.js';
import { CustomerIdentityModule } from '../identity/customer-identity.module.js';
import { KubeClusterStatusReader } from './adapters/cluster-status.adapter.js';
import { LazyProvisioningOperations } from './adapters/provisioning-operations.adapter.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { AdminConfigModule } from './admin-config.module.js';
import { AdminAuditInterceptor, AdminExceptionFilter } from './admin-http.js';
import { AdminLoginController } from './admin-login.controller.js';
import { assertEveryRouteImplemented } from './admin-routes.js';
import { AdminCookies } from './admin-session.js';
import { describeAdminConfig, type AdminConfig } from './admin.config.js';
import { AdminMetaController, AdminTenantsController } from './admin.controller.js';
import {
  ADMIN_BEARER_VERIFIER,
  ADMIN_BROWSER_LOGIN,
  ADMIN_CONFIG,
  CLUSTER_STATUS,
  OPENAPI_DOCUMENT,
  PROVISIONING_OPERATIONS,
  SUBSCRIPTION_BILLING,
} from './admin.tokens.js';
import { buildOpenApiDocument } from './openapi.js';

type Deps = {
  ctx: AppContext;
  billing: SubscriptionBilling | null;
  transitions: TransitionTenantUseCase;
  dispatcher: ProvisioningDispatcher;
};
const useCase = <T>(token: abstract new (...args: never[]) => T, build: (d: Deps) => T): Provider => ({
  provide: token,
  useFactory: (
    ctx: AppContext,
    billing: SubscriptionBilling | null,
    transitions: TransitionTenantUseCase,
    dispatcher: ProvisioningDispatcher,
  ) => build({ ctx, billing, transitions, dispatcher }),
  inject: [APP_CONTEXT, SUBSCRIPTION_BILLING, TransitionTenantUseCase, ProvisioningDispatcher],
});

const adapters: Provider[] = [
  {
    provide: ADMIN_BEARER_VERIFIER,
    useFactory: (a: AdminConfig) => (a.bearer ? createBearerVerifier(a.bearer) : null),
    inject: [ADMIN_CONFIG],
  },
  {
    provide: ADMIN_BROWSER_LOGIN,
    useFactory: (a: AdminConfig) => (a.bearer && a.login ? createBrowserLogin(a.login) : null),
    inject: [ADMIN_CONFIG],
  },
  {
    provide: AdminCookies,
    useFactory: (a: AdminConfig, c: ControlPlaneConfig) =>
      new AdminCookies(c.session.secret, a.sessionTtlMs, a.secureCookies),
    inject: [ADMIN_CONFIG, CONFIG],
  },
  {
    provide: SUBSCRIPTION_BILLING,
    useFactory: (g: StripeGateway | null) => (g ? new StripeSubscriptionBilling(g) : null),
    inject: [STRIPE_GATEWAY],
  },
  {
    provide: CLUSTER_STATUS,
    useFactory: (a: AdminConfig): ClusterStatusReader =>
      a.kubeconfig ? new KubeClusterStatusReader(a.kubeconfig) : renderOnlyCluster,
    inject: [ADMIN_CONFIG],
  },
  {
    provide: PROVISIONING_OPERATIONS,
    useFactory: (ctx: AppContext, a: AdminConfig) =>
      new LazyProvisioningOperations({
        db: ctx.db,
        queue: (ctx.queue as BullmqProvisioningQueue).queue,
        artifactsDir: a.artifactsDir,
        platformConfigs: a.platformConfigs,
      }),
    inject: [APP_CONTEXT, ADMIN_CONFIG],
  },
  {
    provide: OPENAPI_DOCUMENT,
    useFactory: (c: ControlPlaneConfig) => buildOpenApiDocument(c.publicUrl),
    inject: [CONFIG],
  },
];

const useCases: Provider[] = [
  useCase(ListTenantsUseCase, ({ ctx }) => new ListTenantsUseCase(ctx.db)),
  {
    provide: TenantDetailUseCase,
    useFactory: (ctx: AppContext, billing: SubscriptionBilling | null, cluster: ClusterStatusReader) =>
      new TenantDetailUseCase(ctx.db, billing, cluster, ctx.logger),
    inject: [APP_CONTEXT, SUBSCRIPTION_BILLING, CLUSTER_STATUS],
  },
  useCase(SuspendTenantUseCase, ({ ctx, transitions }) => new SuspendTenantUseCase(ctx.db, transitions)),
  useCase(ResumeTenantUseCase, ({ ctx, transitions }) => new ResumeTenantUseCase(ctx.db, transitions)),
  useCase(ResyncTenantUseCase, ({ ctx, dispatcher }) => new ResyncTenantUseCase(ctx.db, dispatcher)),
  useCase(
    OffboardTenantUseCase,
    ({ ctx, transitions, billing }) => new OffboardTenantUseCase(ctx.db, transitions, billing, ctx.logger),
  ),
  useCase(
    ChangePlanUseCase,
    ({ ctx, transitions, billing }) => new ChangePlanUseCase(ctx.db, transitions, billing, ctx.logger),
  ),
  {
    provide: RetryTenantUseCase,
    useFactory: (ctx: AppContext, ops: ProvisioningOperations) => new RetryTenantUseCase(ctx.db, ops),
    inject: [APP_CONTEXT, PROVISIONING_OPERATIONS],
  },
  {
    provide: DryRunTenantUseCase,
    useFactory: (ctx: AppContext, ops: ProvisioningOperations) => new DryRunTenantUseCase(ctx.db, ops),
    inject: [APP_CONTEXT, PROVISIONING_OPERATIONS],
  },
  useCase(AdminAuditLogUseCase, ({ ctx }) => new AdminAuditLogUseCase(ctx.db)),
  {
    provide: SigningKeysUseCase,
    useFactory: (ctx: AppContext, transitions: TransitionTenantUseCase, ops: ProvisioningOperations) =>
      new SigningKeysUseCase(ctx.db, transitions, (slug) => ops.stackVaultBinding(slug), ctx.clock),
    inject: [APP_CONTEXT, TransitionTenantUseCase, PROVISIONING_OPERATIONS],
  },
  useCase(
    ChoosePluginsUseCase,
    ({ ctx, transitions }) =>
      new ChoosePluginsUseCase(ctx.db, transitions, sharedPluginCatalog, ctx.workspaceUrl),
  ),
];

@Module({
  imports: [AdminConfigModule],
  controllers: [AdminTenantsController, AdminMetaController, AdminLoginController, AdminCatalogController],
  providers: [...adapters, ...useCases, AdminAuthGuard, AdminAuditInterceptor, AdminExceptionFilter],
})
export class AdminApiModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(ADMIN_CONFIG) private readonly config: AdminConfig,
    @Inject(PROVISIONING_OPERATIONS) private readonly provisioning: LazyProvisioningOperations,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    assertEveryRouteImplemented();
    this.logger.info(describeAdminConfig(this.config), 'admin API');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.provisioning.close().catch(() => undefined);
  }
}

/** Registered once in the root module. */
@Module({ imports: [AdminApiModule, CustomerIdentityModule] })
export class AdminModule {}
