/**
 * The chat model a workload's config selects — the adapter comes from configuration alone.
 * Cloud providers authenticate by workload identity: Azure through an Entra token provider,
 * Bedrock through the AWS default chain (IRSA web identity), Vertex through Google ADC
 * (workload identity federation). Only an OpenAI-compatible endpoint may use a key, read from a
 * mounted file at call time.
 */
import { readFile } from 'node:fs/promises';
import { createAmazonBedrock } from '@ai-sdk/amazon-bedrock';
import { createAzure } from '@ai-sdk/azure';
import { createVertex } from '@ai-sdk/google-vertex';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LlmAdapterConfig } from '@cw/tenant-model';
import type { LanguageModel } from 'ai';
import { AiSdkChatModel } from './ai-sdk.chat-model.js';
import { LlmNotConfiguredError, type ChatModelPort } from './chat.port.js';
import type { UsageRecorder } from './usage.metrics.js';
import { defaultAwsCredentials, defaultAzureToken } from './cloud-credentials.js';

export interface ChatModelOptions {
  readonly usage?: UsageRecorder;
  /** Azure: returns an Entra access token for https://cognitiveservices.azure.com/.default. */
  readonly azureToken?: () => Promise<string>;
  /** Bedrock: AWS credentials (the default chain when absent). */
  readonly awsCredentials?: () => PromiseLike<{
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  }>;
  /** Vertex: a google-auth-library AuthClient (Google ADC / workload identity federation when absent). */
  readonly googleAuthClient?: unknown;
  /** Tests: where a cloud provider's requests go, and a fetch to see them. */
  readonly baseUrlOverride?: string;
  readonly fetch?: typeof fetch;
}

export function createChatModel(config: LlmAdapterConfig, options: ChatModelOptions = {}): ChatModelPort {
  const { model, provider } = languageModel(config, options);
  if (!model) return new UnconfiguredChatModel();
  return new AiSdkChatModel(model, provider, modelName(config), options.usage);
}

function languageModel(
  config: LlmAdapterConfig,
  o: ChatModelOptions,
): { model?: LanguageModel; provider: string } {
  const fetchOpt = o.fetch ? { fetch: o.fetch } : {};
  switch (config.kind) {
    case 'none':
      return { provider: 'none' };
    case 'openai-compatible': {
      const keyFile = config.apiKeyFile;
      const p = createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: config.baseUrl,
        includeUsage: true,
        ...(keyFile ? { apiKey: async () => (await readFile(keyFile, 'utf8')).trim() } : {}),
        ...fetchOpt,
      });
      return { model: p.chatModel(config.model), provider: 'openai-compatible' };
    }
    case 'azure-openai': {
      const p = createAzure({
        baseURL: o.baseUrlOverride ?? `${config.endpoint.replace(/\/+$/, '')}/openai`,
        useDeploymentBasedUrls: true,
        ...(config.apiVersion ? { apiVersion: config.apiVersion } : {}),
        tokenProvider: o.azureToken ?? defaultAzureToken,
        ...fetchOpt,
      });
      return { model: p.chat(config.deployment), provider: 'azure-openai' };
    }
    case 'bedrock': {
      const p = createAmazonBedrock({
        region: config.region,
        ...(o.awsCredentials
          ? { credentialProvider: o.awsCredentials }
          : { credentialProvider: defaultAwsCredentials }),
        ...(o.baseUrlOverride ? { baseURL: o.baseUrlOverride } : {}),
        ...fetchOpt,
      });
      return { model: p(config.model), provider: 'bedrock' };
    }
    case 'vertex': {
      const p = createVertex({
        project: config.project,
        location: config.location,
        ...(o.googleAuthClient ? { googleAuthOptions: { authClient: o.googleAuthClient as never } } : {}),
        ...(o.baseUrlOverride ? { baseURL: o.baseUrlOverride } : {}),
        ...fetchOpt,
      });
      return { model: p(config.model), provider: 'vertex' };
    }
  }
}

const modelName = (config: LlmAdapterConfig): string =>
  config.kind === 'none' ? 'none' : config.kind === 'azure-openai' ? config.deployment : config.model;

class UnconfiguredChatModel implements ChatModelPort {
  readonly provider = 'none';
  readonly model = 'none';
  // eslint-disable-next-line require-yield
  async *stream(): AsyncIterable<never> {
    throw new LlmNotConfiguredError();
  }
}
