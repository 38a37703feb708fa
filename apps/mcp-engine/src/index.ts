export { startEngine, gateSettings, type EngineHandle, type EngineOptions } from './engine.app.js';
export { loadEngineConfig, ConfigWatcher, diffConfig } from './config.loader.js';
export { TokenVerifier, ASYMMETRIC_ALGS, MAX_TOKEN_LIFETIME_S } from './token.verifier.js';
export { buildMcpServer } from './mcp.server.js';
