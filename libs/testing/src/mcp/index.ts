export {
  testToolContext,
  type TestToolContextOptions,
  type TestUser,
  type CredentialResolverLike,
} from './tool-context.js';
export { credentialCascade, type CascadeValues } from './credential-cascade.js';
