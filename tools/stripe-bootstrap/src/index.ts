export { runBootstrap, BootstrapError, type BootstrapOptions } from './bootstrap.js';
