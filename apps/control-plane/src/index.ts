/** For tools that start the control plane in-process (tools/dev, benchmarks); main.ts is the process entry. */
export { createControlPlaneApp, type ControlPlaneApp } from './app.factory.js';
export { AppModule, featureModules, HttpSupportModule } from './app.module.js';
export { loadConfig, loadConfigOrExit, describeConfig, type ControlPlaneConfig } from './config/config.js';
export {
  controlPlaneEnvShape,
  controlPlaneEnvSchema,
  crossVariableRules,
  ConfigError,
  parseEnv,
} from './config/config.schema.js';
export { createAppContext, type AppContext, type ContextOverrides } from './core/app-context.js';
export * from './core/tokens.js';
export { registerErrorStatus, mapError, writeError, type ErrorBody } from './http/global-exception.filter.js';
export { CsrfGuard, CsrfTokens } from './http/csrf.js';
export { Sessions } from './http/session.js';
