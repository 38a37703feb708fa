/**
 * Azure Key Vault (secrets data plane) and the Entra ID token endpoint workload identity uses,
 * over HTTPS with a throwaway certificate (the Azure SDK refuses bearer tokens over http). It
 * checks what Azure checks: a token needs a valid federated service-account assertion
 * (audience `api://AzureADTokenExchange`) whose subject the app's federated credential names;
 * every vault call needs `api-version` of a known version and a bearer token whose identity has a
 * role on THAT vault (each tenant has its own vault; one port per vault here); unauthenticated
 * calls get the 401 challenge the SDK expects. Deletes are soft, as with purge protection.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { selfSignedCert } from '../search-servers/tls.js';
import { listen, sendJson, type RecordedCall } from './http-util.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';

export const AZURE_KEY_VAULT_API_VERSIONS = ['7.4', '7.5', '7.6', '2025-07-01', '2026-04-01'] as const;

export interface AzureIdentity {
  readonly clientId: string;
  /** Subjects of the app's federated identity credentials. */
  readonly federatedSubjects: readonly string[];
}

export interface AzureKeyVaultServerOptions {
  tokens: ServiceAccountTokens;
  tenantId: string;
  identities: AzureIdentity[];
  /** vault name → client ids holding a secrets role on it. */
  vaults: Readonly<Record<string, readonly string[]>>;
}

interface StoredSecret {
  versions: { id: string; value: string; created: number }[];
  tags: Record<string, string>;
  deleted?: number;
}

export interface AzureKeyVaultTestServer {
  /** Authority host for the credential (`https://127.0.0.1:<port>`). */
  readonly authorityHost: string;
  readonly ca: string;
  vaultUrl(vault: string): string;
  readonly calls: RecordedCall[];
  /** vault → name → secret */
  readonly secrets: Map<string, Map<string, StoredSecret>>;
  down: boolean;
  close(): Promise<void>;
}

const FEDERATED_AUDIENCE = 'api://AzureADTokenExchange';
const kvError = (code: string, message: string, inner?: string) => ({
  error: { code, message, ...(inner && { innererror: { code: inner } }) },
});

export async function startAzureKeyVaultServer(
  options: AzureKeyVaultServerOptions,
): Promise<AzureKeyVaultTestServer> {
  const tls = selfSignedCert();
  const issued = new Map<string, { clientId: string; expires: number }>();
  const calls: RecordedCall[] = [];
  const secrets = new Map<string, Map<string, StoredSecret>>();
  const state = { down: false };
  const closers: (() => Promise<void>)[] = [];
  const vaultUrls = new Map<string, string>();

  const login = await listen(async (req, res, raw) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const record = (status: number, note?: string) =>
      calls.push({ method: req.method ?? '', path: url.pathname, status, ...(note && { note }) });
    const base = `${login.url}/${options.tenantId}`;
    if (url.pathname === `/${options.tenantId}/v2.0/.well-known/openid-configuration`) {
      record(200);
      return sendJson(res, 200, {
        issuer: `${base}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_types_supported: ['code'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid'],
        token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_post'],
        tenant_region_scope: 'EU',
      });
    }
    if (url.pathname === `/${options.tenantId}/oauth2/v2.0/token` && req.method === 'POST') {
      const form = new URLSearchParams(raw.toString('utf8'));
      const identity = options.identities.find((i) => i.clientId === form.get('client_id'));
      const subject =
        form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
          ? await options.tokens.verify(form.get('client_assertion') ?? '', FEDERATED_AUDIENCE)
          : undefined;
      if (!identity || !subject || !identity.federatedSubjects.includes(subject)) {
        record(400, `AADSTS70021 for ${subject ?? 'invalid assertion'}`);
        return sendJson(res, 400, {
          error: 'invalid_client',
          error_description:
            'AADSTS70021: No matching federated identity record found for presented assertion.',
        });
      }
      if (form.get('scope') !== 'https://vault.azure.net/.default') {
        record(400, `scope ${form.get('scope')}`);
        return sendJson(res, 400, {
          error: 'invalid_scope',
          error_description: 'AADSTS70011: invalid scope',
        });
      }
      const token = `eyJ${randomBytes(24).toString('base64url')}`;
      issued.set(token, { clientId: identity.clientId, expires: Date.now() + 3600_000 });
      record(200, `token for ${identity.clientId} as ${subject}`);
      return sendJson(res, 200, {
        token_type: 'Bearer',
        expires_in: 3600,
        ext_expires_in: 3600,
        access_token: token,
      });
    }
    record(404);
    return sendJson(res, 404, { error: 'not_found' });
  }, tls);
  closers.push(login.close);

  for (const [vault, grantees] of Object.entries(options.vaults)) {
    const store = new Map<string, StoredSecret>();
    secrets.set(vault, store);
    const server = await listen(
      (req, res, raw) => void handleVault(vault, grantees, store, req, res, raw),
      tls,
    );
    vaultUrls.set(vault, `${server.url}/`);
    closers.push(server.close);
  }

  function handleVault(
    vault: string,
    grantees: readonly string[],
    store: Map<string, StoredSecret>,
    req: IncomingMessage,
    res: import('node:http').ServerResponse,
    raw: Buffer,
  ) {
    const url = new URL(req.url ?? '/', 'https://x');
    const record = (status: number, note?: string) =>
      calls.push({
        method: req.method ?? '',
        path: `${vault}${url.pathname}`,
        status,
        ...(note && { note }),
      });
    const fail = (status: number, code: string, message: string, inner?: string, note?: string) => {
      record(status, note ?? `${code}: ${message}`);
      sendJson(res, status, kvError(code, message, inner));
    };
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion || !(AZURE_KEY_VAULT_API_VERSIONS as readonly string[]).includes(apiVersion))
      return fail(400, 'BadParameter', `The specified version (${apiVersion ?? 'none'}) is not recognized.`);
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!bearer) {
      record(401, 'challenge');
      res.writeHead(401, {
        'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${options.tenantId}", resource="https://vault.azure.net"`,
      });
      return res.end();
    }
    const token = issued.get(bearer);
    if (!token || token.expires < Date.now())
      return fail(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.');
    if (!grantees.includes(token.clientId))
      return fail(
        403,
        'Forbidden',
        `Caller ${token.clientId} is not authorized to perform action on resource vault ${vault}.`,
        'ForbiddenByRbac',
        `denied ${token.clientId} on ${vault}`,
      );
    if (state.down) return fail(503, 'ServiceUnavailable', 'The service is unavailable.');
    const base = vaultUrls.get(vault) ?? '';
    const bundle = (name: string, s: StoredSecret, withValue: boolean) => {
      const v = s.versions.at(-1);
      return {
        ...(withValue && { value: v?.value }),
        id: `${base}secrets/${name}/${v?.id ?? ''}`,
        attributes: {
          enabled: true,
          created: Math.floor((s.versions[0]?.created ?? 0) / 1000),
          updated: Math.floor((v?.created ?? 0) / 1000),
          recoveryLevel: 'Recoverable',
        },
        tags: s.tags,
      };
    };
    const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    const m =
      /^\/(secrets|deletedsecrets)(?:\/([0-9a-zA-Z-]{1,127}))?(?:\/([0-9a-zA-Z-]*|recover))?\/?$/.exec(
        url.pathname,
      );
    if (!m) return fail(400, 'BadParameter', `bad path ${url.pathname}`);
    const [, collection, name, tail] = m;
    const s = name ? store.get(name) : undefined;
    const notFound = () =>
      fail(404, 'SecretNotFound', `A secret with (name/id) ${name} was not found in this key vault.`);
    record(200, token.clientId);

    if (collection === 'secrets' && !name && req.method === 'GET') {
      const items = [...store.entries()].filter(([, x]) => !x.deleted).map(([n, x]) => bundle(n, x, false));
      return sendJson(res, 200, { value: items, nextLink: null });
    }
    if (collection === 'secrets' && name && req.method === 'PUT') {
      if (s?.deleted)
        return fail(
          409,
          'Conflict',
          `Secret ${name} is currently in a deleted but recoverable state.`,
          'ObjectIsDeletedButRecoverable',
        );
      const next = s ?? { versions: [], tags: {} };
      next.versions.push({
        id: randomBytes(16).toString('hex'),
        value: String(body.value ?? ''),
        created: Date.now(),
      });
      next.tags = (body.tags ?? {}) as Record<string, string>;
      store.set(name, next);
      return sendJson(res, 200, bundle(name, next, true));
    }
    if (collection === 'secrets' && name && req.method === 'GET') {
      if (!s || s.deleted) return notFound();
      return sendJson(res, 200, bundle(name, s, true));
    }
    if (collection === 'secrets' && name && req.method === 'DELETE') {
      if (!s || s.deleted) return notFound();
      s.deleted = Date.now();
      return sendJson(res, 200, {
        ...bundle(name, s, false),
        recoveryId: `${base}deletedsecrets/${name}`,
        deletedDate: Math.floor(s.deleted / 1000),
        scheduledPurgeDate: Math.floor(s.deleted / 1000) + 90 * 86400,
      });
    }
    if (collection === 'deletedsecrets' && name && req.method === 'GET') {
      if (!s?.deleted) return notFound();
      return sendJson(res, 200, {
        ...bundle(name, s, false),
        recoveryId: `${base}deletedsecrets/${name}`,
        deletedDate: Math.floor(s.deleted / 1000),
      });
    }
    if (collection === 'deletedsecrets' && name && tail === 'recover' && req.method === 'POST') {
      if (!s?.deleted) return notFound();
      delete s.deleted;
      return sendJson(res, 200, bundle(name, s, false));
    }
    if (collection === 'deletedsecrets' && name && req.method === 'DELETE')
      return fail(403, 'Forbidden', 'Operation "purge" is not allowed: purge protection is on.');
    return fail(405, 'BadParameter', `unsupported ${req.method} ${url.pathname}`);
  }

  return {
    authorityHost: login.url,
    ca: tls.cert,
    vaultUrl: (vault) => {
      const url = vaultUrls.get(vault);
      if (!url) throw new Error(`no vault ${vault}`);
      return url;
    },
    calls,
    secrets,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    close: async () => {
      await Promise.all(closers.map((c) => c()));
    },
  };
}
