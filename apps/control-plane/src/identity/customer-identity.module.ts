/** The customer's "connect your identity provider" page and its use case. */
import { Module } from '@nestjs/common';
import { ConnectCustomerIdpUseCase, ProvisioningDispatcher, type SecretVault } from '@cw/control-plane';
import { Database } from '@cw/db';
import type { Logger } from '@cw/observability';
import { LOGGER } from '../core/tokens.js';
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
      useFactory: (db: Database, vault: SecretVault, dispatcher: ProvisioningDispatcher, logger: Logger) =>
        new ConnectCustomerIdpUseCase(db, vault, dispatcher, logger),
      inject: [Database, SECRET_VAULT, ProvisioningDispatcher, LOGGER],
    },
  ],
})
export class CustomerIdentityModule {}
