/**
 * Which large-language-model endpoint a tenant's cerebro talks to, as rendered into its config
 * file. Cloud endpoints authenticate by workload identity (no key in any file); only an
 * OpenAI-compatible endpoint (Ollama, vLLM, a gateway) may name a mounted key file.
 */
import { z } from 'zod';
import type { Tenant } from '../schema.js';

const url = z.url({ protocol: /^https?$/ });
const model = z.string().min(1).max(255);
const file = z.string().startsWith('/', 'must be an absolute path to a mounted file');

export const llmAdapterSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({ kind: z.literal('none') })
    .describe('No LLM: the AI hub shows a banner and the direct tool form.'),
  z.strictObject({
    kind: z.literal('openai-compatible'),
    baseUrl: url.describe('Base URL of the OpenAI-compatible API, e.g. http://ollama:11434/v1.'),
    model,
    apiKeyFile: file.optional().describe('Mounted file holding the API key, when the endpoint needs one.'),
  }),
  z.strictObject({
    kind: z.literal('azure-openai'),
    endpoint: url.describe('Azure OpenAI resource endpoint, e.g. https://my-aoai.openai.azure.com/.'),
    deployment: model.describe('Model deployment name.'),
    apiVersion: z.string().max(32).optional(),
  }),
  z.strictObject({
    kind: z.literal('bedrock'),
    region: z.string().min(1).max(32),
    model: model.describe('Bedrock model id, e.g. anthropic.claude-3-5-sonnet-20240620-v1:0.'),
  }),
  z.strictObject({
    kind: z.literal('vertex'),
    project: z.string().min(1).max(128),
    location: z.string().min(1).max(64),
    model: model.describe('Vertex AI model id, e.g. gemini-2.5-flash.'),
  }),
]);
export type LlmAdapterConfig = z.output<typeof llmAdapterSchema>;

/**
 * The adapter a Tenant's bindings and cloud select. `bindings.llm` absent → `none` (cerebro then
 * offers the direct tool form); a local tenant may be given an OpenAI-compatible endpoint by the
 * launcher (`LLM_BASE_URL` in `npm start`).
 */
export function llmAdapterFromTenant(tenant: Tenant): LlmAdapterConfig {
  const { spec } = tenant;
  const llm = spec.bindings.llm;
  if (!llm) return { kind: 'none' };
  const deployment = llm.deployment ?? 'default';
  switch (spec.cloud.provider) {
    case 'azure':
      return { kind: 'azure-openai', endpoint: llm.endpoint, deployment };
    case 'aws':
      return { kind: 'bedrock', region: spec.cloud.region, model: deployment };
    case 'gcp': {
      // Vertex endpoints name the project: https://<location>-aiplatform.googleapis.com/v1/projects/<project>/…
      const project = /\/projects\/([^/]+)/.exec(llm.endpoint)?.[1] ?? llm.endpoint;
      return { kind: 'vertex', project, location: spec.cloud.region, model: deployment };
    }
    case 'local':
      return { kind: 'openai-compatible', baseUrl: llm.endpoint, model: deployment };
  }
}
