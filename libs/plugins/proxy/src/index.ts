export {
  createProxyPlugin,
  ToolVersionError,
  type ProxyDeps,
  type ProxyPlugin,
  type PinEvent,
  type PendingToolVersion,
} from './proxy.plugin.js';
export {
  proxyConfigSchema,
  parseProxyConfig,
  classify,
  ProxyConfigError,
  type ProxyConfig,
  type ClassificationRule,
} from './proxy-config.js';
export {
  MemoryToolPinStore,
  TenantStoreToolPinStore,
  TOOL_PINS,
  toolHash,
  canonicalJson,
  type ToolPin,
  type ToolPinStore,
} from './tool-pins.js';
export { untrustedText, ENVELOPE_CLOSE } from './untrusted-result.js';
