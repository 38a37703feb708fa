/** Injection tokens: explicit `@Inject(Token)` everywhere, since tsx and vitest drop decorator metadata. */
export const STEP_RUNNER = Symbol('STEP_RUNNER');
export const RUNTIME = Symbol('PROVISIONING_RUNTIME');
export const LOGGER = Symbol('LOGGER');
