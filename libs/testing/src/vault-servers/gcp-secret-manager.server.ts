/**
 * GCP Secret Manager's REST API (v1, what the official client's `fallback: true` transport
 * speaks) plus the STS token exchange of workload identity federation. It checks what Google
 * checks: the federated exchange needs a valid service-account JWT for the pool provider's
 * audience; every API call needs a bearer token it issued; IAM allows a principal only secrets
 * whose resource name (by project NUMBER, as IAM conditions see it) starts with its granted
 * prefix — `resource.name.startsWith("projects/<number>/secrets/<slug>_")` in the cloud stack.
 */
import { randomBytes } from 'node:crypto';
import { listen, sendJson, type RecordedCall } from './http-util.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';

export interface GcpBinding {
  /** `system:serviceaccount:<ns>:<sa>` (the federated subject). */
  readonly subject: string;
  /** IAM condition prefix on `resource.name`, e.g. `projects/123/secrets/acme_`. */
  readonly resourceNamePrefix: string;
}

export interface GcpSecretManagerServerOptions {
  tokens: ServiceAccountTokens;
  projectId: string;
  projectNumber: string;
  /** The workload identity pool provider (`//iam.googleapis.com/projects/<n>/locations/global/workloadIdentityPools/<p>/providers/<k>`). */
  audience: string;
  bindings: GcpBinding[];
}

interface StoredSecret {
  labels: Record<string, string>;
  replication: unknown;
  versions: string[];
  createTime: string;
}

export interface GcpSecretManagerTestServer {
  readonly url: string;
  readonly tokenUrl: string;
  readonly calls: RecordedCall[];
  /** secret id → secret */
  readonly secrets: Map<string, StoredSecret>;
  down: boolean;
  close(): Promise<void>;
}

const googleError = (code: number, status: string, message: string) => ({ error: { code, status, message } });

export async function startGcpSecretManagerServer(
  options: GcpSecretManagerServerOptions,
): Promise<GcpSecretManagerTestServer> {
  const tokens = new Map<string, { subject: string; expires: number }>();
  const secrets = new Map<string, StoredSecret>();
  const calls: RecordedCall[] = [];
  const state = { down: false };
  const project = `projects/${options.projectId}`;

  const handle = await listen(async (req, res, raw) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const record = (status: number, note?: string) =>
      calls.push({ method: req.method ?? '', path, status, ...(note && { note }) });
    const fail = (code: number, status: string, message: string, note?: string) => {
      record(code, note ?? `${status}: ${message}`);
      sendJson(res, code, googleError(code, status, message));
    };

    if (path === '/v1/token' && req.method === 'POST') {
      const form = new URLSearchParams(raw.toString('utf8'));
      const body = form.size
        ? Object.fromEntries(form)
        : (JSON.parse(raw.toString('utf8') || '{}') as Record<string, string>);
      const ok =
        body.grant_type === 'urn:ietf:params:oauth:grant-type:token-exchange' &&
        body.audience === options.audience;
      const subject = ok
        ? await options.tokens.verify(String(body.subject_token ?? ''), options.audience)
        : undefined;
      if (!subject) {
        record(400, 'token exchange refused');
        return sendJson(res, 400, {
          error: 'invalid_grant',
          error_description: 'the subject token is not valid for this audience',
        });
      }
      const token = `ya29.${randomBytes(24).toString('base64url')}`;
      tokens.set(token, { subject, expires: Date.now() + 3600_000 });
      record(200, `federated ${subject}`);
      return sendJson(res, 200, {
        access_token: token,
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: 3600,
      });
    }

    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const session = bearer ? tokens.get(bearer) : undefined;
    if (!session || session.expires < Date.now())
      return fail(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    if (state.down) return fail(503, 'UNAVAILABLE', 'The service is currently unavailable.');

    const m =
      /^\/v1\/projects\/([^/]+)\/secrets(?:\/([^/:]+))?(?:\/versions\/([^/:]+))?(?::(addVersion|access))?$/.exec(
        path,
      );
    if (!m || m[1] !== options.projectId) return fail(404, 'NOT_FOUND', `unknown path ${path}`);
    const [, , id, version, verb] = m;
    const allowedId = (secretId: string) =>
      options.bindings.some(
        (b) =>
          b.subject === session.subject &&
          `projects/${options.projectNumber}/secrets/${secretId}`.startsWith(b.resourceNamePrefix),
      );
    const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};

    // list: IAM needs secrets.list on the project; results are filtered by the condition like Google's
    if (!id && req.method === 'GET') {
      const filter = /^name:(.+)$/.exec(url.searchParams.get('filter') ?? '')?.[1];
      const names = [...secrets.keys()].filter((s) => allowedId(s) && (!filter || s.includes(filter))).sort();
      const start = Number(url.searchParams.get('pageToken') || 0);
      const size = Number(url.searchParams.get('pageSize') || 25000);
      record(200, session.subject);
      return sendJson(res, 200, {
        secrets: names
          .slice(start, start + size)
          .map((s) => ({ name: `${project}/secrets/${s}`, labels: secrets.get(s)?.labels ?? {} })),
        ...(start + size < names.length && { nextPageToken: String(start + size) }),
        totalSize: names.length,
      });
    }
    const secretId = id ?? String(url.searchParams.get('secretId') ?? '');
    if (!/^[\w-]{1,255}$/.test(secretId)) return fail(400, 'INVALID_ARGUMENT', 'invalid secret id');
    if (!allowedId(secretId))
      return fail(
        403,
        'PERMISSION_DENIED',
        `Permission denied on resource ${project}/secrets/${secretId}`,
        `denied ${session.subject} on ${secretId}`,
      );
    const secret = secrets.get(secretId);
    const missing = () =>
      fail(404, 'NOT_FOUND', `Secret [${project}/secrets/${secretId}] not found or has no versions.`);
    const shown = (s: StoredSecret) => ({
      name: `${project}/secrets/${secretId}`,
      labels: s.labels,
      replication: s.replication,
      createTime: s.createTime,
    });

    if (!id && req.method === 'POST') {
      if (secret)
        return fail(409, 'ALREADY_EXISTS', `Secret [${project}/secrets/${secretId}] already exists.`);
      const created = {
        labels: (body.labels ?? {}) as Record<string, string>,
        replication: body.replication,
        versions: [],
        createTime: new Date().toISOString(),
      };
      secrets.set(secretId, created);
      record(200, session.subject);
      return sendJson(res, 200, shown(created));
    }
    if (!secret) return missing();
    record(200, session.subject);
    if (verb === 'addVersion' && req.method === 'POST') {
      const data = (body.payload as { data?: string } | undefined)?.data;
      if (typeof data !== 'string') return fail(400, 'INVALID_ARGUMENT', 'payload.data is required');
      secret.versions.push(data);
      return sendJson(res, 200, {
        name: `${project}/secrets/${secretId}/versions/${secret.versions.length}`,
        state: 'ENABLED',
      });
    }
    if (verb === 'access' && req.method === 'GET') {
      const n = version === 'latest' ? secret.versions.length : Number(version);
      const data = secret.versions[n - 1];
      if (data === undefined) return missing();
      return sendJson(res, 200, { name: `${project}/secrets/${secretId}/versions/${n}`, payload: { data } });
    }
    if (!version && !verb && req.method === 'GET') return sendJson(res, 200, shown(secret));
    if (!version && !verb && req.method === 'PATCH') {
      if ((url.searchParams.get('updateMask') ?? '').split(',').includes('labels'))
        secret.labels = ((body as { labels?: Record<string, string> }).labels ?? {}) as Record<
          string,
          string
        >;
      return sendJson(res, 200, shown(secret));
    }
    if (!version && !verb && req.method === 'DELETE') {
      secrets.delete(secretId);
      return sendJson(res, 200, {});
    }
    return fail(400, 'INVALID_ARGUMENT', `unsupported ${req.method} ${path}`);
  });

  return {
    url: handle.url,
    tokenUrl: `${handle.url}/v1/token`,
    calls,
    secrets,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    close: handle.close,
  };
}
