/**
 * HashiCorp Vault KV v2 over plain HTTP, authenticated by the Kubernetes auth method: the pod's
 * projected service-account token is exchanged at `auth/kubernetes/login` for a short-lived Vault
 * token (re-read and re-exchanged when it expires or is refused). No static token is accepted.
 * The address comes from platform configuration, never from a tenant user, so this client calls
 * it directly rather than through @cw/outbound (which refuses the private addresses Vault runs on).
 */
import { readFile } from 'node:fs/promises';
import { assertRelative, type SecretDriver, type SecretLabels } from './secret-driver.js';

export interface HashicorpVaultDriverOptions {
  address: string;
  mount: string;
  role: string;
  /** Path prefix inside the mount, e.g. `tenants/acme/`. */
  prefix: string;
  /** Default: the pod's projected service-account token. */
  tokenFile?: string;
  /** Kubernetes auth mount path. Default `kubernetes`. */
  authMount?: string;
  timeoutMs?: number;
}

export const K8S_SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

class VaultHttpError extends Error {
  override name = 'VaultHttpError';
  constructor(readonly status: number) {
    super(`vault answered ${status}`);
  }
}

export class HashicorpVaultDriver implements SecretDriver {
  readonly kind = 'hashicorp-vault';
  readonly prefix: string;
  private token: { value: string; expires: number } | undefined;
  private readonly base: string;

  constructor(private readonly opts: HashicorpVaultDriverOptions) {
    this.prefix = opts.prefix;
    this.base = opts.address.replace(/\/$/, '');
  }

  fullName(name: string): string {
    return `${this.opts.mount}/${this.prefix}${assertRelative(name)}`;
  }

  async write(name: string, value: string, labels: SecretLabels): Promise<void> {
    const path = this.prefix + assertRelative(name);
    await this.call('POST', `data/${path}`, { data: { value } });
    await this.call('POST', `metadata/${path}`, { custom_metadata: labels });
  }

  async read(name: string): Promise<string | undefined> {
    const body = await this.call('GET', `data/${this.prefix}${assertRelative(name)}`);
    const value = (body as { data?: { data?: { value?: unknown } } } | undefined)?.data?.data?.value;
    return typeof value === 'string' ? value : undefined;
  }

  async labels(name: string): Promise<SecretLabels | undefined> {
    const body = await this.call('GET', `metadata/${this.prefix}${assertRelative(name)}`);
    if (!body) return undefined;
    return ((body as { data?: { custom_metadata?: SecretLabels | null } }).data?.custom_metadata ??
      {}) as SecretLabels;
  }

  async list(namePrefix: string): Promise<{ name: string; labels: SecretLabels }[]> {
    // `GET ?list=true` is Vault's spelling of LIST for clients that cannot send custom methods.
    const body = await this.call('GET', `metadata/${this.prefix}?list=true`);
    const keys = ((body as { data?: { keys?: unknown } } | undefined)?.data?.keys ?? []) as unknown[];
    const names = keys.filter(
      (k): k is string => typeof k === 'string' && k.startsWith(namePrefix) && !k.endsWith('/'),
    );
    const out: { name: string; labels: SecretLabels }[] = [];
    for (const name of names) {
      const labels = await this.labels(name);
      if (labels) out.push({ name, labels });
    }
    return out;
  }

  async remove(name: string): Promise<boolean> {
    const path = `metadata/${this.prefix}${assertRelative(name)}`;
    if (!(await this.call('GET', path))) return false;
    await this.call('DELETE', path);
    return true;
  }

  /** One KV call; 404 → undefined; a refused token is renewed once. */
  private async call(method: string, path: string, body?: unknown, retried = false): Promise<unknown> {
    const token = await this.login();
    const res = await fetch(`${this.base}/v1/${this.opts.mount}/${path}`, {
      method,
      headers: { 'X-Vault-Token': token, ...(body !== undefined && { 'Content-Type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    if (res.status === 404) return undefined;
    if (res.status === 403 && !retried) {
      this.token = undefined;
      return this.call(method, path, body, true);
    }
    if (!res.ok) throw new VaultHttpError(res.status);
    return res.status === 204 ? {} : res.json();
  }

  private async login(): Promise<string> {
    if (this.token && this.token.expires > Date.now()) return this.token.value;
    const jwt = (await readFile(this.opts.tokenFile ?? K8S_SERVICE_ACCOUNT_TOKEN, 'utf8')).trim();
    const res = await fetch(`${this.base}/v1/auth/${this.opts.authMount ?? 'kubernetes'}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ role: this.opts.role, jwt }),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    if (!res.ok) throw new VaultHttpError(res.status);
    const auth = ((await res.json()) as { auth?: { client_token?: string; lease_duration?: number } }).auth;
    if (!auth?.client_token) throw new VaultHttpError(502);
    // Renew a little before the lease ends.
    const ttl = Math.max(1, (auth.lease_duration ?? 300) - 30) * 1000;
    this.token = { value: auth.client_token, expires: Date.now() + ttl };
    return auth.client_token;
  }
}
