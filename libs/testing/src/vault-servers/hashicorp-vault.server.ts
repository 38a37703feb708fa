/**
 * A HashiCorp Vault speaking the KV v2 and Kubernetes-auth HTTP APIs, checking what Vault checks:
 * a login needs a valid service-account JWT whose namespace/name the role binds; every KV call
 * needs an unexpired `X-Vault-Token`, and the role's policy allows only paths under its prefix
 * (anything else is 403 "permission denied", as Vault answers).
 */
import { randomBytes } from 'node:crypto';
import { listen, sendJson, type RecordedCall } from './http-util.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';

export interface HashicorpVaultRole {
  /** `system:serviceaccount:<ns>:<sa>` subjects allowed to log in with this role. */
  readonly boundSubjects: readonly string[];
  /** KV mount and the path prefix inside it this role's policy grants (e.g. `tenants/acme/`). */
  readonly mount: string;
  readonly pathPrefix: string;
}

export interface HashicorpVaultServerOptions {
  tokens: ServiceAccountTokens;
  roles: Readonly<Record<string, HashicorpVaultRole>>;
  /** Audience the Kubernetes auth method expects in service-account tokens. Default `vault`. */
  audience?: string;
  tokenTtlSeconds?: number;
}

interface KvEntry {
  versions: { value: Record<string, unknown>; created: string }[];
  custom: Record<string, string>;
}

export interface HashicorpVaultTestServer {
  readonly url: string;
  readonly calls: RecordedCall[];
  /** mount → path → entry (for assertions on what was written where). */
  readonly data: Map<string, KvEntry>;
  /** Makes every KV call answer 503 (outage tests). */
  down: boolean;
  close(): Promise<void>;
}

export async function startHashicorpVaultServer(
  options: HashicorpVaultServerOptions,
): Promise<HashicorpVaultTestServer> {
  const audience = options.audience ?? 'vault';
  const ttl = options.tokenTtlSeconds ?? 3600;
  const sessions = new Map<string, { role: HashicorpVaultRole; expires: number }>();
  const data = new Map<string, KvEntry>();
  const calls: RecordedCall[] = [];
  const state = { down: false };

  const handle = await listen(async (req, res, raw) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const method =
      req.method === 'GET' && url.searchParams.get('list') === 'true' ? 'LIST' : (req.method ?? 'GET');
    const record = (status: number, note?: string) =>
      calls.push({ method, path: url.pathname, status, ...(note && { note }) });
    const deny = (note: string) => {
      record(403, note);
      sendJson(res, 403, { errors: ['permission denied'] });
    };
    const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};

    const login = /^\/v1\/auth\/kubernetes\/login$/.exec(url.pathname);
    if (login && method === 'POST') {
      const role = options.roles[String(body.role)];
      if (!role) {
        record(400, 'unknown role');
        return sendJson(res, 400, { errors: [`invalid role name "${String(body.role)}"`] });
      }
      const subject = await options.tokens.verify(String(body.jwt ?? ''), audience);
      if (!subject || !role.boundSubjects.includes(subject))
        return deny(`login refused for ${subject ?? 'invalid jwt'}`);
      const token = `hvs.${randomBytes(18).toString('base64url')}`;
      sessions.set(token, { role, expires: Date.now() + ttl * 1000 });
      record(200, subject);
      return sendJson(res, 200, {
        auth: { client_token: token, lease_duration: ttl, renewable: true, policies: ['tenant'] },
      });
    }

    const kv = /^\/v1\/([^/]+)\/(data|metadata)\/(.*)$/.exec(url.pathname);
    if (!kv) {
      record(404);
      return sendJson(res, 404, { errors: [] });
    }
    const session = sessions.get(String(req.headers['x-vault-token'] ?? ''));
    if (!session || session.expires <= Date.now()) return deny('missing or expired token');
    const [, mount = '', kind, path = ''] = kv;
    const segments = path.split('/');
    if (
      mount !== session.role.mount ||
      !path.startsWith(session.role.pathPrefix) ||
      segments.includes('..') ||
      segments.includes('.')
    )
      return deny(`path ${mount}/${path} outside ${session.role.mount}/${session.role.pathPrefix}`);
    if (state.down) {
      record(503);
      return sendJson(res, 503, { errors: ['Vault is sealed'] });
    }
    const key = `${mount}/${path}`;
    const entry = data.get(key);

    if (kind === 'data' && (method === 'POST' || method === 'PUT')) {
      const next = entry ?? { versions: [], custom: {} };
      next.versions.push({
        value: (body.data ?? {}) as Record<string, unknown>,
        created: new Date().toISOString(),
      });
      data.set(key, next);
      record(200);
      return sendJson(res, 200, {
        data: { version: next.versions.length, created_time: new Date().toISOString() },
      });
    }
    if (kind === 'data' && method === 'GET') {
      const latest = entry?.versions.at(-1);
      if (!entry || !latest) {
        record(404);
        return sendJson(res, 404, { errors: [] });
      }
      record(200);
      return sendJson(res, 200, {
        data: {
          data: latest.value,
          metadata: { version: entry.versions.length, custom_metadata: entry.custom },
        },
      });
    }
    if (kind === 'metadata' && method === 'POST') {
      if (!entry) {
        record(404);
        return sendJson(res, 404, { errors: [] });
      }
      entry.custom = { ...((body.custom_metadata ?? {}) as Record<string, string>) };
      record(204);
      return sendJson(res, 204, undefined);
    }
    if (kind === 'metadata' && method === 'GET') {
      if (!entry) {
        record(404);
        return sendJson(res, 404, { errors: [] });
      }
      record(200);
      return sendJson(res, 200, {
        data: { custom_metadata: entry.custom, current_version: entry.versions.length },
      });
    }
    if (kind === 'metadata' && method === 'LIST') {
      const dir = `${mount}/${path}`;
      const keys = new Set<string>();
      for (const k of data.keys()) {
        if (!k.startsWith(dir)) continue;
        const rest = k.slice(dir.length);
        keys.add(rest.includes('/') ? `${rest.split('/')[0]}/` : rest);
      }
      record(keys.size ? 200 : 404);
      return keys.size
        ? sendJson(res, 200, { data: { keys: [...keys].sort() } })
        : sendJson(res, 404, { errors: [] });
    }
    if (kind === 'metadata' && method === 'DELETE') {
      data.delete(key);
      record(204);
      return sendJson(res, 204, undefined);
    }
    record(405);
    return sendJson(res, 405, { errors: ['unsupported operation'] });
  });

  return {
    url: handle.url,
    calls,
    data,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    close: handle.close,
  };
}
