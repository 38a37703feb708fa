export {
  startStripeServer,
  type StripeServerOptions,
  type StripeTestServer,
  type RecordedRequest,
} from './stripe-server.js';
export { StripeStore, StripeApiError, type StripeEventObject } from './stripe-store.js';
export {
  WebhookEmitter,
  type BadSignature,
  type DeliveryOptions,
  type DeliveryResult,
} from './webhook-emitter.js';
export { decodeStripeForm } from './form-decode.js';
export { seedPlanCatalog } from './plan-catalog.js';
export { PaymentsLedger } from './payments-ledger.js';
