/**
 * Global module: the process's resources (AppContext) and the use cases of libs/control-plane,
 * wired by factories (the libs know nothing of Nest). Feature modules — including the admin API
 * and whatever comes later — inject what they need by class or token.
 */
import {
  Global,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { Database } from '@cw/db';
import {
  DEFAULT_SIGNUP_LIMITS,
  EnforceBillingDeadlinesUseCase,
  ExpireSignupsUseCase,
  MagicLinkSender,
  OpenBillingPortalUseCase,
  ProvisioningDispatcher,
  ResendLinkUseCase,
  SigningKeys,
  SignupUseCase,
  SlugAvailabilityUseCase,
  StartCheckoutUseCase,
  StripeWebhookUseCase,
  TenantStatusUseCase,
  TransitionTenantUseCase,
  VerifyEmailUseCase,
  type SignupLimits,
} from '@cw/control-plane';
import type { AppContext } from './app-context.js';
import {
  APP_CONTEXT,
  CLOCK,
  CONFIG,
  LOGGER,
  MAILER,
  PROVISIONING_QUEUE,
  RATE_LIMITER,
  REDIS,
  STRIPE_GATEWAY,
} from './tokens.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { HealthzWorkspaceProbe } from '../status/workspace-probe.js';

const HOUR = 3_600_000;

function limitsOf(ctx: AppContext): SignupLimits {
  const r = ctx.config.rateLimits;
  return {
    perIp: { limit: r.signupPerIp, windowMs: HOUR },
    perEmail: { limit: r.signupPerEmail, windowMs: HOUR },
    resendPerEmail: { limit: r.resendPerEmail, windowMs: DEFAULT_SIGNUP_LIMITS.resendPerEmail.windowMs },
  };
}

/** A use case built from the context: `useCase(X, (ctx, get) => new X(...))`. */
const useCase = <T>(
  token: abstract new (...args: never[]) => T,
  build: (ctx: AppContext, deps: Deps) => T,
): Provider => ({
  provide: token,
  useFactory: (
    ctx: AppContext,
    transitions: TransitionTenantUseCase,
    dispatcher: ProvisioningDispatcher,
    links: MagicLinkSender,
  ) => build(ctx, { transitions, dispatcher, links }),
  inject: [APP_CONTEXT, TransitionTenantUseCase, ProvisioningDispatcher, MagicLinkSender],
});
interface Deps {
  transitions: TransitionTenantUseCase;
  dispatcher: ProvisioningDispatcher;
  links: MagicLinkSender;
}

class ContextCloser implements OnApplicationShutdown {
  constructor(@Inject(APP_CONTEXT) private readonly ctx: AppContext) {}
  async onApplicationShutdown(): Promise<void> {
    await this.ctx.close();
  }
}

@Global()
@Module({})
export class CoreModule {
  static register(ctx: AppContext): DynamicModule {
    const providers: Provider[] = [
      { provide: APP_CONTEXT, useValue: ctx },
      { provide: CONFIG, useValue: ctx.config },
      { provide: LOGGER, useValue: ctx.logger },
      { provide: Database, useValue: ctx.db },
      { provide: REDIS, useValue: ctx.redis },
      { provide: MAILER, useValue: ctx.mailer },
      { provide: PROVISIONING_QUEUE, useValue: ctx.queue },
      { provide: RATE_LIMITER, useValue: ctx.limiter },
      { provide: CLOCK, useValue: ctx.clock },
      { provide: STRIPE_GATEWAY, useValue: ctx.gateway ?? null },
      { provide: SigningKeys, useValue: ctx.keys },
      { provide: MetricsService, useValue: ctx.metrics },
      { provide: ContextCloser, useFactory: (c: AppContext) => new ContextCloser(c), inject: [APP_CONTEXT] },
      {
        provide: ProvisioningDispatcher,
        useFactory: (c: AppContext) => new ProvisioningDispatcher(c.db, c.queue, c.logger),
        inject: [APP_CONTEXT],
      },
      {
        provide: TransitionTenantUseCase,
        useFactory: (c: AppContext, d: ProvisioningDispatcher) =>
          new TransitionTenantUseCase(c.db, d, c.metrics),
        inject: [APP_CONTEXT, ProvisioningDispatcher],
      },
      {
        provide: MagicLinkSender,
        useFactory: (c: AppContext) =>
          new MagicLinkSender(c.keys, c.mailer, { publicUrl: c.config.publicUrl }, c.clock, c.logger),
        inject: [APP_CONTEXT],
      },
      useCase(
        SignupUseCase,
        (c, d) =>
          new SignupUseCase(
            c.db,
            d.links,
            c.limiter,
            { baseDomain: c.config.baseDomain, billingEnabled: !!c.gateway, limits: limitsOf(c) },
            c.logger,
          ),
      ),
      useCase(SlugAvailabilityUseCase, (c) => new SlugAvailabilityUseCase(c.db, c.config.baseDomain)),
      useCase(
        ResendLinkUseCase,
        (c, d) => new ResendLinkUseCase(c.db, d.links, c.limiter, limitsOf(c), c.logger),
      ),
      useCase(
        VerifyEmailUseCase,
        (c, d) => new VerifyEmailUseCase(c.db, c.keys, d.transitions, !!c.gateway, c.clock, c.logger),
      ),
      useCase(
        StartCheckoutUseCase,
        (c) => new StartCheckoutUseCase(c.db, c.gateway, c.config.publicUrl, c.clock),
      ),
      useCase(
        OpenBillingPortalUseCase,
        (c) => new OpenBillingPortalUseCase(c.db, c.gateway, c.config.publicUrl),
      ),
      useCase(
        TenantStatusUseCase,
        (c) =>
          new TenantStatusUseCase(
            c.db,
            !!c.gateway,
            new HealthzWorkspaceProbe(c.outboundFetch),
            c.workspaceUrl,
            c.config.workspaceUrlTemplate !== undefined,
          ),
      ),
      useCase(
        EnforceBillingDeadlinesUseCase,
        (c, d) =>
          new EnforceBillingDeadlinesUseCase(
            c.db,
            d.transitions,
            d.dispatcher,
            c.clock,
            c.logger,
            new ExpireSignupsUseCase(
              c.db,
              d.transitions,
              { expiryMs: c.config.signupExpiryMs },
              c.clock,
              c.logger,
            ),
          ),
      ),
      // Billing off: no webhook use case; the controller answers billing_disabled.
      useCase(StripeWebhookUseCase, (c, d) =>
        c.gateway
          ? new StripeWebhookUseCase(c.db, c.gateway, d.transitions, c.config.billing, c.metrics, c.logger)
          : (null as unknown as StripeWebhookUseCase),
      ),
    ];
    return {
      module: CoreModule,
      providers,
      exports: providers
        .map((p) => (typeof p === 'function' ? p : p.provide))
        .filter((token) => token !== ContextCloser),
    };
  }
}
