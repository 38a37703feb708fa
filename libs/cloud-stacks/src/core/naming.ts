/**
 * Deterministic cloud resource names. Slugs run up to 40 characters but some names are tight
 * (an Azure Key Vault name is 3-24 characters and global), so a name that would be too long keeps
 * its beginning and ends with a short hash of the whole name: the same tenant always gets the
 * same name (expected bindings are computed before apply), and two tenants whose long slugs share
 * a beginning still get different names.
 */
import { createHash } from 'node:crypto';

export interface NameRule {
  /** What the name is for, used in error messages. */
  readonly what: string;
  readonly min: number;
  readonly max: number;
  /** The whole name must match this. */
  readonly pattern: RegExp;
  /** Joins the parts; '' for names that allow no hyphen (storage accounts). */
  readonly separator: '-' | '' | '_';
}

const HASH_LENGTH = 6;

/** Limits of every name the stacks derive from a slug (provider documentation, 2025). */
export const NAME_RULES = {
  azureResourceGroup: {
    what: 'Azure resource group',
    min: 1,
    max: 90,
    pattern: /^[-\w.()]*[-\w()]$/,
    separator: '-',
  },
  azureKeyVault: {
    what: 'Azure Key Vault',
    min: 3,
    max: 24,
    pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    separator: '-',
  },
  azureCosmosAccount: {
    what: 'Azure Cosmos DB account',
    min: 3,
    max: 44,
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    separator: '-',
  },
  azureSearchService: {
    what: 'Azure AI Search service',
    min: 2,
    max: 60,
    pattern: /^[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    separator: '-',
  },
  azureManagedIdentity: {
    what: 'Azure managed identity',
    min: 3,
    max: 128,
    pattern: /^[a-zA-Z0-9][-\w]*$/,
    separator: '-',
  },
  azureOpenAi: {
    what: 'Azure OpenAI account',
    min: 2,
    max: 64,
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    separator: '-',
  },
  azureContainerRegistry: {
    what: 'Azure Container Registry',
    min: 5,
    max: 50,
    pattern: /^[a-z0-9]+$/,
    separator: '',
  },
  azureAksCluster: {
    what: 'AKS cluster',
    min: 1,
    max: 63,
    pattern: /^[a-z0-9][-a-z0-9]*[a-z0-9]$/,
    separator: '-',
  },
  awsIamRole: { what: 'AWS IAM role', min: 1, max: 64, pattern: /^[\w+=,.@-]+$/, separator: '-' },
  awsDynamoTable: { what: 'DynamoDB table', min: 3, max: 255, pattern: /^[a-zA-Z0-9_.-]+$/, separator: '-' },
  /** OpenSearch Serverless collections and security/access policies share these limits. */
  awsOpenSearch: {
    what: 'OpenSearch Serverless name',
    min: 3,
    max: 32,
    pattern: /^[a-z][a-z0-9-]*$/,
    separator: '-',
  },
  awsEksCluster: { what: 'EKS cluster', min: 1, max: 100, pattern: /^[a-zA-Z0-9][-\w]*$/, separator: '-' },
  gcpServiceAccount: {
    what: 'GCP service account id',
    min: 6,
    max: 30,
    pattern: /^[a-z][-a-z0-9]*[a-z0-9]$/,
    separator: '-',
  },
  gcpFirestoreDatabase: {
    what: 'Firestore database id',
    min: 4,
    max: 63,
    pattern: /^[a-z][-a-z0-9]*[a-z0-9]$/,
    separator: '-',
  },
  gcpSecret: { what: 'Secret Manager secret id', min: 1, max: 255, pattern: /^[\w-]+$/, separator: '_' },
  gcpGkeCluster: {
    what: 'GKE cluster',
    min: 1,
    max: 40,
    pattern: /^[a-z][-a-z0-9]*[a-z0-9]$/,
    separator: '-',
  },
} as const satisfies Record<string, NameRule>;

export type NameRuleName = keyof typeof NAME_RULES;

export const shortHash = (text: string, length = HASH_LENGTH): string =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/**
 * Joins the parts by the rule's separator; when too long, keeps the beginning and appends a
 * hash of the full name. Throws when the result still breaks the rule (a bad prefix, not a slug).
 */
export function cloudName(rule: NameRule | NameRuleName, ...parts: string[]): string {
  const r: NameRule = typeof rule === 'string' ? NAME_RULES[rule] : rule;
  const full = parts.filter((p) => p.length > 0).join(r.separator);
  let name = full;
  if (full.length > r.max) {
    const keep = r.max - HASH_LENGTH - r.separator.length;
    const head = full.slice(0, keep).replace(/[-_]+$/, '');
    name = `${head}${r.separator}${shortHash(full)}`;
  }
  if (name.length < r.min || !r.pattern.test(name)) {
    throw new Error(
      `Cannot derive a valid ${r.what} name from "${full}": got "${name}" (${r.min}-${r.max} characters matching ${r.pattern}). ` +
        'Check the platform prefix: it must be short lowercase letters and digits.',
    );
  }
  return name;
}
