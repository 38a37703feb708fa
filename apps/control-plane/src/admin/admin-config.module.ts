/** The admin configuration (validated at boot) and the secret vault, shared by the admin API and the customer IdP page. */
import { Module } from '@nestjs/common';
import { TenantSecretVault } from '@cw/control-plane';
import type { ControlPlaneConfig } from '../config/config.js';
import { CONFIG } from '../core/tokens.js';
import { loadAdminConfig, type AdminConfig } from './admin.config.js';
import { ADMIN_CONFIG, SECRET_VAULT } from './admin.tokens.js';

@Module({
  providers: [
    // The app's config object does not carry the admin variables: they are read and validated here, at boot.
    {
      provide: ADMIN_CONFIG,
      useFactory: (config: ControlPlaneConfig) => loadAdminConfig(process.env, config),
      inject: [CONFIG],
    },
    {
      provide: SECRET_VAULT,
      useFactory: (admin: AdminConfig, config: ControlPlaneConfig) =>
        new TenantSecretVault({ dir: admin.vault.dir, database: config.database }),
      inject: [ADMIN_CONFIG, CONFIG],
    },
  ],
  exports: [ADMIN_CONFIG, SECRET_VAULT],
})
export class AdminConfigModule {}
