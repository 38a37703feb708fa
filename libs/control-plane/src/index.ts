export * from './errors.js';
export * from './ports.js';
export * from './context.js';
export * from './plan-spec.js';
export * from './signup/mask-email.js';
export * from './signup/signup-input.js';
export * from './signup/rate-limits.js';
export * from './signup/signup.usecase.js';
export * from './signup/slug-availability.usecase.js';
export * from './signup/resend-link.usecase.js';
export * from './session/keys.js';
export * from './session/session-cookie.js';
export * from './session/csrf.js';
export * from './verification/magic-link.js';
export * from './verification/magic-link-sender.js';
export * from './verification/verification-mail.js';
export * from './verification/verify-email.usecase.js';
export * from './lifecycle/provisioning-dispatcher.js';
export * from './lifecycle/transition-tenant.usecase.js';
export * from './lifecycle/billing-deadlines.usecase.js';
export * from './lifecycle/expire-signups.usecase.js';
export * from './status/tenant-access.js';
export * from './status/tenant-status.usecase.js';
export * from './status/onboarding.js';
export * from './rate-limit/redis-rate-limiter.js';
export {
  StripeGateway,
  createStripeClient,
  subscriptionSnapshot,
  type StripeSettings,
  type SubscriptionSnapshot,
} from './billing/stripe.gateway.js';
export {
  handleStripeEvent,
  specFromSubscription,
  type BillingPolicy,
  type HandlerResult,
} from './billing/stripe-event-handlers.js';
export { StripeWebhookUseCase, type WebhookResult } from './billing/stripe-webhook.usecase.js';
export { StartCheckoutUseCase, OpenBillingPortalUseCase } from './billing/checkout.usecase.js';
export {
  syncStripeCatalog,
  productIdFor,
  CATALOG_CURRENCY,
  type CatalogReportLine,
  type CatalogChange,
} from './billing/catalog-sync.js';
export * from './admin/index.js';
export * from './catalog/index.js';
