/**
 * GCP Secret Manager through the official client. Identity is workload identity federation: by
 * default Application Default Credentials (GKE's metadata server, or an `external_account` file);
 * with `federation` given, the projected service-account token is exchanged at STS for a
 * federated token (what an external_account credential does). No service-account key is used.
 * Secret ids are `<slug>_<relative>`: the prefix the tenant's IAM condition allows.
 */
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { IdentityPoolClient } from 'google-auth-library';
import { assertRelative, type SecretDriver, type SecretLabels } from './secret-driver.js';

export interface GcpSecretManagerDriverOptions {
  projectId: string;
  prefix: string;
  /** Replica location (the tenant's region); automatic replication when absent. */
  location?: string;
  /** `http(s)://host:port` (tests). Uses the REST transport, which is what can be pointed at a local server. */
  endpoint?: string;
  federation?: { tokenUrl: string; audience: string; tokenFile: string };
}

const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const code = (error: unknown) => (error as { code?: unknown })?.code;

export class GcpSecretManagerDriver implements SecretDriver {
  readonly kind = 'gcp-secret-manager';
  readonly prefix: string;
  private readonly client: SecretManagerServiceClient;
  private readonly parent: string;

  constructor(private readonly opts: GcpSecretManagerDriverOptions) {
    this.prefix = opts.prefix;
    this.parent = `projects/${opts.projectId}`;
    const endpoint = opts.endpoint ? new URL(opts.endpoint) : undefined;
    const authClient = opts.federation
      ? // The config is ours (platform configuration), not user input: built directly, no fromJSON.
        new IdentityPoolClient({
          type: 'external_account',
          audience: opts.federation.audience,
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          token_url: opts.federation.tokenUrl,
          credential_source: { file: opts.federation.tokenFile },
        })
      : undefined;
    this.client = new SecretManagerServiceClient({
      fallback: true,
      ...(endpoint && {
        apiEndpoint: endpoint.hostname,
        port: Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)),
        protocol: endpoint.protocol.replace(':', ''),
      }),
      ...(authClient && { authClient }),
    } as ConstructorParameters<typeof SecretManagerServiceClient>[0]);
  }

  fullName(name: string): string {
    return `${this.parent}/secrets/${this.prefix}${assertRelative(name)}`;
  }

  async write(name: string, value: string, labels: SecretLabels): Promise<void> {
    const secretName = this.fullName(name);
    try {
      await this.client.createSecret({
        parent: this.parent,
        secretId: `${this.prefix}${name}`,
        secret: {
          labels: { ...labels },
          replication: this.opts.location
            ? { userManaged: { replicas: [{ location: this.opts.location }] } }
            : { automatic: {} },
        },
      });
    } catch (error) {
      if (code(error) !== ALREADY_EXISTS) throw error;
      await this.client.updateSecret({
        secret: { name: secretName, labels: { ...labels } },
        updateMask: { paths: ['labels'] },
      });
    }
    await this.client.addSecretVersion({ parent: secretName, payload: { data: Buffer.from(value, 'utf8') } });
  }

  async read(name: string): Promise<string | undefined> {
    try {
      const [version] = await this.client.accessSecretVersion({
        name: `${this.fullName(name)}/versions/latest`,
      });
      const data = version.payload?.data;
      return data === undefined || data === null
        ? undefined
        : Buffer.from(data as Uint8Array).toString('utf8');
    } catch (error) {
      if (code(error) === NOT_FOUND) return undefined;
      throw error;
    }
  }

  async labels(name: string): Promise<SecretLabels | undefined> {
    try {
      const [secret] = await this.client.getSecret({ name: this.fullName(name) });
      return { ...(secret.labels ?? {}) };
    } catch (error) {
      if (code(error) === NOT_FOUND) return undefined;
      throw error;
    }
  }

  async list(namePrefix: string): Promise<{ name: string; labels: SecretLabels }[]> {
    const start = `${this.parent}/secrets/${this.prefix}${namePrefix}`;
    const [secrets] = await this.client.listSecrets({
      parent: this.parent,
      filter: `name:${this.prefix}${namePrefix}`,
    });
    return secrets
      .filter((s) => s.name?.startsWith(start))
      .map((s) => ({
        name: (s.name as string).slice(`${this.parent}/secrets/${this.prefix}`.length),
        labels: { ...(s.labels ?? {}) },
      }));
  }

  async remove(name: string): Promise<boolean> {
    try {
      await this.client.deleteSecret({ name: this.fullName(name) });
      return true;
    } catch (error) {
      if (code(error) === NOT_FOUND) return false;
      throw error;
    }
  }
}
