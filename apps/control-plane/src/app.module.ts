/**
 * The control plane's root module: the global CoreModule (resources and use cases) plus one
 * module per feature. A new feature (the admin API under src/admin) is one more entry in
 * `featureModules`.
 */
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { CoreModule } from './core/core.module.js';
import type { AppContext } from './core/app-context.js';
import { CsrfGuard, CsrfTokens } from './http/csrf.js';
import { Sessions } from './http/session.js';
import { HealthController } from './health/health.controller.js';
import { SignupController, SignupFormFilter } from './signup/signup.controller.js';
import { InvalidLinkFilter, VerifyController } from './verification/verify.controller.js';
import { BillingController, StripeWebhookController } from './billing/billing.controller.js';
import { SignInFilter, StatusController } from './status/status.controller.js';
import { AssetsController } from './assets/assets.controller.js';
import { DeadlineSweepService } from './sweep/deadline-sweep.service.js';
import { AdminModule } from './admin/admin.module.js';
import { CatalogModule } from './catalog/catalog.module.js';

/** HTTP helpers every feature module may use. */
@Module({
  providers: [CsrfGuard, CsrfTokens, Sessions],
  exports: [CsrfGuard, CsrfTokens, Sessions],
})
export class HttpSupportModule {}

@Module({ controllers: [HealthController, AssetsController] })
export class HealthModule {}

@Module({ imports: [HttpSupportModule], controllers: [SignupController], providers: [SignupFormFilter] })
export class SignupModule {}

@Module({ imports: [HttpSupportModule], controllers: [VerifyController], providers: [InvalidLinkFilter] })
export class VerificationModule {}

@Module({
  imports: [HttpSupportModule],
  controllers: [BillingController, StripeWebhookController, StatusController],
  providers: [SignInFilter],
})
export class BillingModule {}

@Module({ providers: [DeadlineSweepService], exports: [DeadlineSweepService] })
export class SweepModule {}

export const featureModules: Type[] = [
  HealthModule,
  SignupModule,
  VerificationModule,
  BillingModule,
  SweepModule,
  AdminModule,
  CatalogModule,
];

@Module({})
export class AppModule {
  static register(ctx: AppContext, extraModules: Type[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.register(ctx), HttpSupportModule, ...featureModules, ...extraModules],
    };
  }
}
