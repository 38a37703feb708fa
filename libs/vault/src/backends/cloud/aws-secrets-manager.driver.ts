/**
 * AWS Secrets Manager through the official SDK. Credentials come only from the pod's web
 * identity (IRSA: the projected token exchanged at STS for the tenant role's temporary keys);
 * no access key is ever configured. Names are `<prefix><relative>` where the prefix is the
 * tenant's `<platform>/tenants/<slug>/` path the role's policy grants; new secrets are encrypted
 * with the tenant's KMS key.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { fromTokenFile } from '@aws-sdk/credential-provider-web-identity';
import { assertRelative, type SecretDriver, type SecretLabels } from './secret-driver.js';

export interface AwsSecretsManagerDriverOptions {
  region: string;
  prefix: string;
  kmsKeyId?: string;
  endpoint?: string;
  /** Default AWS_WEB_IDENTITY_TOKEN_FILE (set by IRSA). */
  webIdentityTokenFile?: string;
  /** Default AWS_ROLE_ARN (set by IRSA). */
  roleArn?: string;
  /** STS endpoint override (tests). */
  stsEndpoint?: string;
}

const notFound = (error: unknown) =>
  error instanceof ResourceNotFoundException ||
  (error as { name?: string })?.name === 'ResourceNotFoundException';

const toTags = (labels: SecretLabels) => Object.entries(labels).map(([Key, Value]) => ({ Key, Value }));
const fromTags = (tags: { Key?: string; Value?: string }[] | undefined): SecretLabels =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));

export class AwsSecretsManagerDriver implements SecretDriver {
  readonly kind = 'aws-secrets-manager';
  readonly prefix: string;
  private readonly client: SecretsManagerClient;

  constructor(private readonly opts: AwsSecretsManagerDriverOptions) {
    this.prefix = opts.prefix;
    const tokenFile = opts.webIdentityTokenFile ?? process.env.AWS_WEB_IDENTITY_TOKEN_FILE;
    const roleArn = opts.roleArn ?? process.env.AWS_ROLE_ARN;
    this.client = new SecretsManagerClient({
      region: opts.region,
      ...(opts.endpoint && { endpoint: opts.endpoint }),
      // Web identity only: a static key in the environment is never picked up.
      credentials: fromTokenFile({
        ...(tokenFile && { webIdentityTokenFile: tokenFile }),
        ...(roleArn && { roleArn }),
        roleSessionName: 'contextweaver-vault',
        clientConfig: { region: opts.region, ...(opts.stsEndpoint && { endpoint: opts.stsEndpoint }) },
      }),
      maxAttempts: 2,
    });
  }

  fullName(name: string): string {
    return `${this.prefix}${assertRelative(name)}`;
  }

  async write(name: string, value: string, labels: SecretLabels): Promise<void> {
    const id = this.fullName(name);
    try {
      await this.client.send(new PutSecretValueCommand({ SecretId: id, SecretString: value }));
      await this.client.send(new TagResourceCommand({ SecretId: id, Tags: toTags(labels) }));
    } catch (error) {
      if (!notFound(error)) throw error;
      await this.client.send(
        new CreateSecretCommand({
          Name: id,
          SecretString: value,
          Tags: toTags(labels),
          ...(this.opts.kmsKeyId && { KmsKeyId: this.opts.kmsKeyId }),
        }),
      );
    }
  }

  async read(name: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.fullName(name) }));
      return out.SecretString;
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async labels(name: string): Promise<SecretLabels | undefined> {
    try {
      const out = await this.client.send(new DescribeSecretCommand({ SecretId: this.fullName(name) }));
      return fromTags(out.Tags);
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async list(namePrefix: string): Promise<{ name: string; labels: SecretLabels }[]> {
    const out: { name: string; labels: SecretLabels }[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListSecretsCommand({
          Filters: [{ Key: 'name', Values: [`${this.prefix}${namePrefix}`] }],
          MaxResults: 100,
          ...(NextToken && { NextToken }),
        }),
      );
      for (const s of page.SecretList ?? []) {
        // The name filter is a prefix match on AWS too; re-check so nothing outside the prefix is returned.
        if (s.Name?.startsWith(`${this.prefix}${namePrefix}`))
          out.push({ name: s.Name.slice(this.prefix.length), labels: fromTags(s.Tags) });
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  }

  async remove(name: string): Promise<boolean> {
    try {
      // Without recovery: the name can be written again at once (a deleted credential is gone by intent).
      await this.client.send(
        new DeleteSecretCommand({ SecretId: this.fullName(name), ForceDeleteWithoutRecovery: true }),
      );
      return true;
    } catch (error) {
      if (notFound(error)) return false;
      throw error;
    }
  }
}
