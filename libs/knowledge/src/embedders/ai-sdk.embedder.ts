/**
 * Cloud embedders through the AI SDK's embedMany: OpenAI-compatible (Ollama, vLLM, LiteLLM …),
 * Azure OpenAI (deployment URLs, Entra token by workload identity or a mounted key), Bedrock
 * (Titan text embeddings, SigV4 with the AWS default chain — IRSA), Vertex (predict, Google ADC —
 * workload identity). All four are tested over their wire protocol against the local server in
 * @cw/testing/search-servers (request path, auth header, body shape, requested dimensions); none
 * is tested against the real cloud service here.
 */
import { readFile } from 'node:fs/promises';
import { embedMany, type EmbeddingModel } from 'ai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createAzure } from '@ai-sdk/azure';
import { createAmazonBedrock } from '@ai-sdk/amazon-bedrock';
import { createVertex } from '@ai-sdk/google-vertex';
import type { KnowledgeEmbedderConfig } from '@cw/tenant-model';
import type { Embedder } from './embedder.port.js';
import { LocalLexicalEmbedder } from './local-lexical.embedder.js';
import { defaultAwsCredentials, defaultAzureToken } from '@cw/llm/credentials';

/**
 * How each provider is asked for fewer dimensions: the call-level `dimensions` reaches only the
 * OpenAI-compatible and Vertex models; Azure (the OpenAI model class) and Bedrock Titan read it from
 * their provider options, and without it return their native size (1536 / 1024).
 */
type ProviderOptions = NonNullable<Parameters<typeof embedMany>[0]['providerOptions']>;

export class AiSdkEmbedder implements Embedder {
  readonly semantic = true;
  constructor(
    readonly id: string,
    readonly dimensions: number,
    private readonly model: EmbeddingModel,
    private readonly providerOptions: ProviderOptions = {},
  ) {}

  async embed(texts: readonly string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const { embeddings } = await embedMany({
      model: this.model,
      values: [...texts],
      maxRetries: 2,
      dimensions: this.dimensions,
      providerOptions: this.providerOptions,
    });
    for (const e of embeddings)
      if (e.length !== this.dimensions)
        throw new Error(
          `embedding model ${this.id} returned ${e.length} dimensions, configured ${this.dimensions}`,
        );
    return embeddings;
  }
}

export interface EmbedderOptions {
  /** Azure: an Entra access token for https://cognitiveservices.azure.com/.default (workload identity when absent). */
  readonly azureToken?: () => Promise<string>;
  /** Bedrock: AWS credentials (the SDK's default chain — IRSA web identity — when absent). */
  readonly awsCredentials?: () => PromiseLike<{
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  }>;
  /** Vertex: a google-auth-library AuthClient (Google ADC / workload identity when absent). */
  readonly googleAuthClient?: unknown;
  /** Tests: where a cloud provider's requests go instead of its endpoint, and a fetch to see them. */
  readonly baseUrlOverride?: string;
  readonly fetch?: typeof fetch;
}

const secret = async (path?: string) => (path ? (await readFile(path, 'utf8')).trim() : undefined);

export async function embedderFromConfig(
  config: KnowledgeEmbedderConfig,
  opts: EmbedderOptions = {},
): Promise<Embedder> {
  const fetchOpt = opts.fetch ? { fetch: opts.fetch } : {};
  switch (config.kind) {
    case 'local-lexical':
      return new LocalLexicalEmbedder({ dimensions: config.dimensions });
    case 'openai-compatible': {
      const apiKey = await secret(config.apiKeyFile);
      const provider = createOpenAICompatible({
        name: 'embeddings',
        baseURL: config.baseUrl,
        ...(apiKey ? { apiKey } : {}),
        ...fetchOpt,
      });
      return new AiSdkEmbedder(
        `openai-compatible:${config.model}:${config.dimensions}`,
        config.dimensions,
        provider.embeddingModel(config.model),
      );
    }
    case 'azure-openai': {
      const apiKey = await secret(config.apiKeyFile);
      const provider = createAzure({
        baseURL: opts.baseUrlOverride ?? `${config.endpoint.replace(/\/+$/, '')}/openai`,
        // /openai/deployments/<deployment>/embeddings?api-version=…: the URL every Azure OpenAI
        // resource serves (the unversioned /openai/v1 surface is not on every resource yet).
        useDeploymentBasedUrls: true,
        apiVersion: '2024-10-21',
        ...(apiKey ? { apiKey } : { tokenProvider: opts.azureToken ?? defaultAzureToken }),
        ...fetchOpt,
      });
      return new AiSdkEmbedder(
        `azure-openai:${config.deployment}:${config.dimensions}`,
        config.dimensions,
        provider.embeddingModel(config.deployment),
        { openai: { dimensions: config.dimensions } },
      );
    }
    case 'bedrock': {
      if (/titan-embed-text-v2/.test(config.model) && ![256, 512, 1024].includes(config.dimensions))
        throw new Error(
          `knowledge.embedder.dimensions: ${config.model} offers 256, 512 or 1024 dimensions, configured ${config.dimensions}`,
        );
      const provider = createAmazonBedrock({
        region: config.region,
        credentialProvider: opts.awsCredentials ?? defaultAwsCredentials,
        ...(opts.baseUrlOverride ? { baseURL: opts.baseUrlOverride } : {}),
        ...fetchOpt,
      });
      return new AiSdkEmbedder(
        `bedrock:${config.model}:${config.dimensions}`,
        config.dimensions,
        provider.embeddingModel(config.model),
        // Titan v2 takes 256, 512 or 1024 and returns unit vectors when asked.
        { bedrock: { dimensions: config.dimensions, normalize: true } },
      );
    }
    case 'vertex': {
      const provider = createVertex({
        project: config.project,
        location: config.location,
        ...(opts.googleAuthClient
          ? { googleAuthOptions: { authClient: opts.googleAuthClient as never } }
          : {}),
        ...(opts.baseUrlOverride ? { baseURL: opts.baseUrlOverride } : {}),
        ...fetchOpt,
      });
      return new AiSdkEmbedder(
        `vertex:${config.model}:${config.dimensions}`,
        config.dimensions,
        provider.embeddingModel(config.model),
        { vertex: { outputDimensionality: config.dimensions } },
      );
    }
  }
}
