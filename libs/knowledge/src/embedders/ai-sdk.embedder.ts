/**
 * Cloud embedders through the AI SDK's embedMany: OpenAI-compatible (Ollama, vLLM, LiteLLM …),
 * Azure OpenAI, Bedrock (Titan), Vertex. Only the OpenAI-compatible one is exercised here
 * (against a local embeddings endpoint in the tests); the others are built from config the same
 * way and are untested on this machine (no cloud access).
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

export class AiSdkEmbedder implements Embedder {
  readonly semantic = true;
  constructor(
    readonly id: string,
    readonly dimensions: number,
    private readonly model: EmbeddingModel,
  ) {}

  async embed(texts: readonly string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const { embeddings } = await embedMany({
      model: this.model,
      values: [...texts],
      maxRetries: 2,
      dimensions: this.dimensions,
    });
    for (const e of embeddings)
      if (e.length !== this.dimensions)
        throw new Error(
          `embedding model ${this.id} returned ${e.length} dimensions, configured ${this.dimensions}`,
        );
    return embeddings;
  }
}

const secret = async (path?: string) => (path ? (await readFile(path, 'utf8')).trim() : undefined);

export async function embedderFromConfig(
  config: KnowledgeEmbedderConfig,
  opts: { fetch?: typeof fetch } = {},
): Promise<Embedder> {
  switch (config.kind) {
    case 'local-lexical':
      return new LocalLexicalEmbedder({ dimensions: config.dimensions });
    case 'openai-compatible': {
      const apiKey = await secret(config.apiKeyFile);
      const provider = createOpenAICompatible({
        name: 'embeddings',
        baseURL: config.baseUrl,
        ...(apiKey ? { apiKey } : {}),
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
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
        baseURL: `${config.endpoint.replace(/\/$/, '')}/openai`,
        ...(apiKey ? { apiKey } : {}),
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
      });
      return new AiSdkEmbedder(
        `azure-openai:${config.deployment}:${config.dimensions}`,
        config.dimensions,
        provider.embeddingModel(config.deployment),
      );
    }
    case 'bedrock': {
      const provider = createAmazonBedrock({ region: config.region });
      return new AiSdkEmbedder(
        `bedrock:${config.model}:${config.dimensions}`,
        config.dimensions,
        provider.embeddingModel(config.model),
      );
    }
    case 'vertex': {
      const provider = createVertex({ project: config.project, location: config.location });
      return new AiSdkEmbedder(
        `vertex:${config.model}:${config.dimensions}`,
        config.dimensions,
        provider.embeddingModel(config.model),
      );
    }
  }
}
