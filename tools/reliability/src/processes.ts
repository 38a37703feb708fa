/**
 * The platform's processes for the suites come from @cw/testing/processes; this module re-exports
 * what ./operator.ts and the suites (through ./index.ts) use.
 */
export { freePort, startProcess, waitHttpOk, type PlatformProcess } from '@cw/testing/processes';
