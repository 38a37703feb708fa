export {
  ENTRIES,
  freePort,
  ROOT,
  startProcess,
  superviseChild,
  waitForOutput,
  waitHttpOk,
  type Echo,
  type PlatformProcess,
  type ProcessExit,
  type ProcessName,
  type StartOptions,
} from './processes.js';
export { buildBundle, BUNDLE_EXTERNALS, type Bundle } from './bundle.js';
export { eventually } from './eventually.js';
export { controlPlaneEnv, type ControlPlaneEnvOptions } from './control-plane-env.js';
export * from './resolved-modules.js';
