/**
 * Injection tokens. Sources run under tsx/vitest without decorator metadata, so every
 * constructor parameter is injected explicitly: `@Inject(CONFIG) config: ControlPlaneConfig`.
 * Classes (Database, use cases) are their own tokens.
 */
export const CONFIG = Symbol('CONFIG');
export const LOGGER = Symbol('LOGGER');
export const REDIS = Symbol('REDIS');
export const MAILER = Symbol('MAILER');
export const PROVISIONING_QUEUE = Symbol('PROVISIONING_QUEUE');
export const RATE_LIMITER = Symbol('RATE_LIMITER');
export const CLOCK = Symbol('CLOCK');
/** StripeGateway, or null when billing is off. */
export const STRIPE_GATEWAY = Symbol('STRIPE_GATEWAY');
export const APP_CONTEXT = Symbol('APP_CONTEXT');
