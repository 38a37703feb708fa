/** Injection tokens of the admin module (explicit, like ../core/tokens.ts: no decorator metadata under tsx). */
export const ADMIN_CONFIG = Symbol('ADMIN_CONFIG');
/** BearerVerifier, or null when ADMIN_OIDC_ISSUER is unset (every admin route answers 503). */
export const ADMIN_BEARER_VERIFIER = Symbol('ADMIN_BEARER_VERIFIER');
/** BrowserLogin, or null when ADMIN_OIDC_CLIENT_ID is unset. */
export const ADMIN_BROWSER_LOGIN = Symbol('ADMIN_BROWSER_LOGIN');
/** SubscriptionBilling, or null when billing is off. */
export const SUBSCRIPTION_BILLING = Symbol('SUBSCRIPTION_BILLING');
export const CLUSTER_STATUS = Symbol('CLUSTER_STATUS');
export const PROVISIONING_OPERATIONS = Symbol('PROVISIONING_OPERATIONS');
export const SECRET_VAULT = Symbol('SECRET_VAULT');
export const OPENAPI_DOCUMENT = Symbol('OPENAPI_DOCUMENT');
