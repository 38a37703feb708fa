/**
 * The workload identities the cloud model providers use when no key is configured, shared by
 * chat (create-chat-model.ts) and embeddings (@cw/knowledge): loaded lazily, so a process on
 * another cloud never imports these SDKs.
 */
let azureCredential: { getToken(scope: string): Promise<{ token: string } | null> } | undefined;

/** Azure OpenAI bearer token from workload identity (AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_FEDERATED_TOKEN_FILE). */
export async function defaultAzureToken(): Promise<string> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  azureCredential ??= new DefaultAzureCredential();
  const token = await azureCredential.getToken('https://cognitiveservices.azure.com/.default');
  if (!token) throw new Error('Azure workload identity returned no token for Azure OpenAI');
  return token.token;
}

/** AWS credentials from IRSA (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE) via the SDK's default chain. */
export async function defaultAwsCredentials() {
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider()();
}
