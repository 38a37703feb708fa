export * from './types.js';
export * from './errors.js';
export { systemNow, type Now, type Executor } from './executor.js';
export {
  openDatabase,
  Database,
  Repositories,
  DEFAULT_PGLITE_DIR,
  DEFAULT_MIGRATIONS_FOLDER,
  type DatabaseOptions,
} from './database.js';
export { TenantRepository, isUuid, type TenantListQuery } from './repositories/tenant.repository.js';
export {
  LifecycleRepository,
  type TransitionOptions,
  type TransitionResult,
} from './repositories/lifecycle.repository.js';
export {
  ProvisioningRunRepository,
  isFinalStepStatus,
  type NewRun,
  type RunWithSteps,
} from './repositories/provisioning-run.repository.js';
export { StripeEventRepository, type ReceivedStripeEvent } from './repositories/stripe-event.repository.js';
export { EmailTokenRepository, type ConsumeResult } from './repositories/email-token.repository.js';
export { AuditRepository, type NewAuditEntry } from './repositories/audit.repository.js';
export * from './repositories/admin-queries.repository.js';
export { hasLoneSurrogate, pgJson, pgText } from './pg-text.js';
export { STATUS_CHANNEL, TenantStatusFeed } from './status-feed.js';
