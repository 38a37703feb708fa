export {
  testToolContext,
  type TestToolContextOptions,
  type TestUser,
  type CredentialResolverLike,
} from './tool-context.js';
export {
  startUpstreamMcpServer,
  type UpstreamTool,
  type UpstreamMcpServerOptions,
  type UpstreamMcpTestServer,
} from './upstream-mcp-server.js';
export { manifestProblems } from './manifest-check.js';
