export * from './oidc-provider.harness.js';
export * from './browser.js';
export * from './fake-issuer.js';
