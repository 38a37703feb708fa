/**
 * Azure Key Vault through the official SDK with workload identity (the pod's projected token as a
 * federated client assertion; AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_FEDERATED_TOKEN_FILE set
 * by the AKS webhook). The vault is the tenant's own, so names need no tenant prefix. Key Vault
 * deletes are soft (the tenant vault has purge protection): writing a name deleted earlier
 * recovers it first, then sets the new value.
 */
import type { TokenCredential } from '@azure/core-auth';
import { WorkloadIdentityCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { assertRelative, type SecretDriver, type SecretLabels } from './secret-driver.js';

export interface AzureKeyVaultDriverOptions {
  vaultUrl: string;
  tenantId?: string;
  clientId?: string;
  tokenFile?: string;
  authorityHost?: string;
  /** Extra trusted CA (PEM), for a vault behind a private CA or the local test server. */
  caCert?: string;
  /** Replaces workload identity (never a static secret: any TokenCredential). */
  credential?: TokenCredential;
}

const status = (error: unknown) => (error as { statusCode?: number })?.statusCode;
const POLL_MS = 250;

export class AzureKeyVaultDriver implements SecretDriver {
  readonly kind = 'azure-key-vault';
  readonly prefix = '';
  private readonly client: SecretClient;

  constructor(private readonly opts: AzureKeyVaultDriverOptions) {
    const tlsOptions = opts.caCert ? { tlsOptions: { ca: opts.caCert } } : {};
    const credential =
      opts.credential ??
      new WorkloadIdentityCredential({
        ...(opts.tenantId && { tenantId: opts.tenantId }),
        ...(opts.clientId && { clientId: opts.clientId }),
        ...(opts.tokenFile && { tokenFilePath: opts.tokenFile }),
        ...(opts.authorityHost && { authorityHost: opts.authorityHost, disableInstanceDiscovery: true }),
        ...tlsOptions,
      });
    const host = new URL(opts.vaultUrl).hostname;
    this.client = new SecretClient(opts.vaultUrl, credential, {
      ...tlsOptions,
      // The challenge names vault.azure.net; a loopback test vault cannot match it.
      ...((host === '127.0.0.1' || host === 'localhost') && { disableChallengeResourceVerification: true }),
      retryOptions: { maxRetries: 1 },
    });
  }

  fullName(name: string): string {
    return `${this.opts.vaultUrl.replace(/\/?$/, '/')}secrets/${assertRelative(name)}`;
  }

  async write(name: string, value: string, labels: SecretLabels): Promise<void> {
    const set = () => this.client.setSecret(assertRelative(name), value, { tags: { ...labels } });
    try {
      await set();
    } catch (error) {
      if (status(error) !== 409) throw error;
      const poller = await this.client.beginRecoverDeletedSecret(name, { intervalInMs: POLL_MS });
      await poller.pollUntilDone();
      await set();
    }
  }

  async read(name: string): Promise<string | undefined> {
    try {
      return (await this.client.getSecret(assertRelative(name))).value;
    } catch (error) {
      if (status(error) === 404) return undefined;
      throw error;
    }
  }

  async labels(name: string): Promise<SecretLabels | undefined> {
    try {
      return { ...((await this.client.getSecret(assertRelative(name))).properties.tags ?? {}) };
    } catch (error) {
      if (status(error) === 404) return undefined;
      throw error;
    }
  }

  async list(namePrefix: string): Promise<{ name: string; labels: SecretLabels }[]> {
    const out: { name: string; labels: SecretLabels }[] = [];
    for await (const p of this.client.listPropertiesOfSecrets()) {
      if (p.name.startsWith(namePrefix)) out.push({ name: p.name, labels: { ...(p.tags ?? {}) } });
    }
    return out;
  }

  async remove(name: string): Promise<boolean> {
    try {
      const poller = await this.client.beginDeleteSecret(assertRelative(name), { intervalInMs: POLL_MS });
      await poller.pollUntilDone();
      return true;
    } catch (error) {
      if (status(error) === 404) return false;
      throw error;
    }
  }
}
