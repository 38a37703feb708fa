/** The customer's "connect your identity provider" page and its use case. */
import { Module } from '@nestjs/common';
import { ConnectCustomerIdpUseCase, ProvisioningDispatcher, type SecretVault } from '@cw/control-plane';
import { Database } from '@cw/db';
import type { Logger } from '@cw/observability';
import { validateCustomerIdp } from '@cw/identity';
import type { AppContext } from '../core/app-context.js';
import { APP_CONTEXT, LOGGER } from '../core/tokens.js';
import { CsrfGuard, CsrfTokens } from '../http/csrf.js';
import { Sessions } from '../http/session.js';
import { SignInFilter } from '../status/status.controller.js';
import { AdminConfigModule } from '../admin/admin-config.module.js';
import { SECRET_VAULT } from '../admin/admin.tokens.js';
import { CustomerIdpController } from './customer-idp.controller.js';

@Module({
  imports: [AdminConfigModule],
  controllers: [CustomerIdpController],
  providers: [
    CsrfGuard,
    CsrfTokens,
    Sessions,
    SignInFilter,
    {
      provide: ConnectCustomerIdpUseCase,
      useFactory: (
        db: Database,
        vault: SecretVault,
        dispatcher: ProvisioningDispatcher,
        logger: Logger,
        ctx: AppContext,
      ) =>
        new ConnectCustomerIdpUseCase(
          db,
          vault,
          dispatcher,
          logger,
          // The issuer is typed by a customer: fetched only through the outbound guard.
          (input) => validateCustomerIdp(input, { logger, fetch: ctx.outboundFetch }),
          ctx.limiter,
        ),
      inject: [Database, SECRET_VAULT, ProvisioningDispatcher, LOGGER, APP_CONTEXT],
    },
  ],
})
export class CustomerIdentityModule {}
