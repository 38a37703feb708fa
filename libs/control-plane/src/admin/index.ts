// Admin API use cases (support staff) and the customer IdP connection (onboarding): one barrel,
// exported from the package root by a single line.
export * from './admin-schemas.js';
export * from './admin-ports.js';
export * from './admin-input.js';
export { findTenant, tenantSummary } from './admin-views.js';
export * from './tenant-queries.usecase.js';
export * from './tenant-actions.usecase.js';
export * from './change-plan.usecase.js';
export * from './provisioning-actions.usecase.js';
export * from './audit-log.usecase.js';
export * from './signing-keys.usecase.js';
export * from './stripe-subscription-billing.js';
export * from '../idp/secret-vault.js';
export * from '../idp/tenant-secret.vault.js';
export * from '../idp/connect-customer-idp.usecase.js';
