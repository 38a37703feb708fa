export {
  classifyAddress,
  isRefusedHostName,
  type AddressDecision,
  type AddressRefusal,
} from './address-policy.js';
export { checkOutboundUrl, createGuardedFetch, resolvePublic, type OutboundPolicy } from './guarded-fetch.js';
export { findRefusal, OutboundRefusedError, type OutboundRefusal } from './outbound-refused.error.js';
