/**
 * An OpenSearch client for a tenant's search binding (SigV4 with IRSA credentials by default,
 * basic auth, or none). Imported on demand (open-knowledge.ts, `@cw/knowledge/opensearch`).
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import type { SearchAdapterConfig } from '@cw/tenant-model';

type OpenSearchAuth = Extract<SearchAdapterConfig, { kind: 'opensearch' }>['auth'];

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export function openSearchClient(opts: {
  node: string;
  auth: OpenSearchAuth | { kind: 'basic'; username: string; password: string };
  credentials?: () => Promise<AwsCredentials>;
}): Client {
  const { auth } = opts;
  if (auth.kind === 'aws-sigv4')
    return new Client({
      node: opts.node,
      ...AwsSigv4Signer({
        region: auth.region,
        service: auth.service,
        getCredentials: opts.credentials ?? defaultProvider(),
      }),
    });
  if (auth.kind === 'basic' && 'password' in auth)
    return new Client({ node: opts.node, auth: { username: auth.username, password: auth.password } });
  return new Client({ node: opts.node });
}
