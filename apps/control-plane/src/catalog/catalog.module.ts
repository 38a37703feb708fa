/** The customer side of the Connector Marketplace (the admin route lives in the admin module). */
import { Module } from '@nestjs/common';
import { ChoosePluginsUseCase, TransitionTenantUseCase, sharedPluginCatalog } from '@cw/control-plane';
import { APP_CONTEXT } from '../core/tokens.js';
import type { AppContext } from '../core/app-context.js';
import { CsrfGuard, CsrfTokens } from '../http/csrf.js';
import { Sessions } from '../http/session.js';
import { SignInFilter } from '../status/status.controller.js';
import { CustomerCatalogController } from './catalog.controller.js';

@Module({
  controllers: [CustomerCatalogController],
  providers: [
    SignInFilter,
    // Not HttpSupportModule: importing the root module's file from here would be a cycle.
    CsrfGuard,
    CsrfTokens,
    Sessions,
    {
      provide: ChoosePluginsUseCase,
      useFactory: (ctx: AppContext, transitions: TransitionTenantUseCase) =>
        new ChoosePluginsUseCase(ctx.db, transitions, sharedPluginCatalog, ctx.workspaceUrl),
      inject: [APP_CONTEXT, TransitionTenantUseCase],
    },
  ],
})
export class CatalogModule {}
