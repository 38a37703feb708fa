import { MANAGED_BY, TAG_MANAGED_BY } from './tenant-context.js';
import type { PlatformConfig } from './platform-config.js';

/** Namespace and ServiceAccount of the provisioner in the platform cluster: the platform identity trusts exactly it. */
export const PLATFORM_NAMESPACE = 'cw-system';
export const PROVISIONER_SERVICE_ACCOUNT = 'provisioner';

/** Tags of platform resources: the configured extras plus managed-by and component. */
export const platformTags = (config: PlatformConfig): Record<string, string> => ({
  ...config.tags,
  [TAG_MANAGED_BY]: MANAGED_BY,
  component: 'platform',
});

/** Default LLM model per cloud when platform.yaml names no deployment. */
export const DEFAULT_LLM_MODEL = {
  azure: 'gpt-4o',
  aws: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  gcp: 'gemini-2.0-flash',
} as const;
