/**
 * AWS Secrets Manager (JSON 1.1 protocol) plus the one STS action workloads use,
 * AssumeRoleWithWebIdentity, on one port. It checks what AWS checks: the web-identity token's
 * signature, audience and subject against the role's trust; SigV4 on every Secrets Manager call
 * with the temporary key and its session token; and the role's policy (actions on
 * `arn:…:secret:<prefix>*` resources, as IAM evaluates them). Anything else is AccessDenied.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { listen, sendJson, type RecordedCall } from './http-util.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';
import { verifySigV4 } from './sigv4.js';

/** An IAM statement, as the cloud stack writes it (Allow only; `*` wildcards in resources). */
export interface AwsPolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource?: readonly string[];
}

export interface AwsRole {
  /** `system:serviceaccount:<ns>:<sa>` allowed to assume it (the trust policy's sub condition). */
  readonly boundSubjects: readonly string[];
  readonly statements: readonly AwsPolicyStatement[];
}

export interface AwsSecretsManagerServerOptions {
  tokens: ServiceAccountTokens;
  /** role ARN → role. */
  roles: Readonly<Record<string, AwsRole>>;
  region?: string;
  accountId?: string;
}

interface StoredSecret {
  name: string;
  arn: string;
  value?: string;
  kmsKeyId?: string;
  tags: { Key: string; Value: string }[];
  versions: number;
}

export interface AwsSecretsManagerTestServer {
  readonly url: string;
  readonly calls: RecordedCall[];
  readonly secrets: Map<string, StoredSecret>;
  down: boolean;
  close(): Promise<void>;
}

const matches = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

export async function startAwsSecretsManagerServer(
  options: AwsSecretsManagerServerOptions,
): Promise<AwsSecretsManagerTestServer> {
  const region = options.region ?? 'eu-west-1';
  const account = options.accountId ?? '123456789012';
  const sessions = new Map<
    string,
    { secret: string; token: string; roleArn: string; subject: string; expires: number }
  >();
  const secrets = new Map<string, StoredSecret>();
  const calls: RecordedCall[] = [];
  const state = { down: false };
  const arnOf = (name: string) =>
    `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${randomBytes(3).toString('hex')}`;

  const handle = await listen(async (req, res, raw) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const record = (status: number, note?: string) =>
      calls.push({ method: req.method ?? '', path: target || 'sts', status, ...(note && { note }) });
    const fail = (status: number, type: string, message: string, note?: string) => {
      record(status, note ?? `${type}: ${message}`);
      sendJson(res, status, { __type: type, message }, { 'content-type': 'application/x-amz-json-1.1' });
    };

    if (!target) return sts(raw.toString('utf8'));
    const verdict = verifySigV4(req, raw, (id) => sessions.get(id)?.secret, { service: 'secretsmanager' });
    if (!verdict.ok) return fail(400, 'InvalidSignatureException', verdict.reason);
    const session = sessions.get(verdict.accessKeyId);
    if (!session || session.expires < Date.now())
      return fail(400, 'ExpiredTokenException', 'security token expired');
    if (req.headers['x-amz-security-token'] !== session.token)
      return fail(400, 'UnrecognizedClientException', 'missing or wrong session token');
    if (state.down) return fail(503, 'ServiceUnavailable', 'service unavailable');
    const op = target.replace(/^secretsmanager\./, '');
    const input = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
    const role = options.roles[session.roleArn];
    const allowed = (resource: string) =>
      (role?.statements ?? []).some(
        (s) =>
          s.Effect === 'Allow' &&
          s.Action.some((a) => matches(a, `secretsmanager:${op}`)) &&
          (s.Resource ?? ['*']).some((r) => matches(r, resource)),
      );
    const find = (id: unknown) => {
      const key = String(id ?? '');
      return secrets.get(key) ?? [...secrets.values()].find((s) => s.arn === key);
    };
    const resourceOf = (name: string) =>
      find(name)?.arn ?? `arn:aws:secretsmanager:${region}:${account}:secret:${name}-??????`;
    const deny = (resource: string) =>
      fail(
        400,
        'AccessDeniedException',
        `${session.subject} is not authorized to perform secretsmanager:${op} on ${resource}`,
      );

    if (op === 'ListSecrets') {
      if (!allowed('*') && !allowed(`arn:aws:secretsmanager:${region}:${account}:secret:*`)) return deny('*');
      const filters = (input.Filters ?? []) as { Key: string; Values: string[] }[];
      const prefixes = filters.filter((f) => f.Key === 'name').flatMap((f) => f.Values);
      const all = [...secrets.values()]
        .filter((s) => prefixes.every((p) => s.name.startsWith(p)))
        .sort((a, b) => a.name.localeCompare(b.name));
      const start = Number(input.NextToken ?? 0);
      const max = Number(input.MaxResults ?? 100);
      const page = all.slice(start, start + max);
      record(200, session.subject);
      return sendJson(res, 200, {
        SecretList: page.map((s) => ({ ARN: s.arn, Name: s.name, Tags: s.tags, KmsKeyId: s.kmsKeyId })),
        ...(start + max < all.length && { NextToken: String(start + max) }),
      });
    }
    const id = String(op === 'CreateSecret' ? input.Name : input.SecretId);
    if (!id || id.includes('..')) return fail(400, 'InvalidParameterException', 'bad secret name');
    const resource =
      op === 'CreateSecret'
        ? `arn:aws:secretsmanager:${region}:${account}:secret:${id}-??????`
        : resourceOf(id);
    if (!allowed(resource)) return deny(resource);
    const existing = find(id);
    const notFound = () =>
      fail(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    record(200, session.subject);
    switch (op) {
      case 'CreateSecret': {
        if (existing) return fail(400, 'ResourceExistsException', 'the secret already exists');
        const s: StoredSecret = {
          name: id,
          arn: arnOf(id),
          ...(typeof input.SecretString === 'string' && { value: input.SecretString }),
          ...(typeof input.KmsKeyId === 'string' && { kmsKeyId: input.KmsKeyId }),
          tags: (input.Tags ?? []) as StoredSecret['tags'],
          versions: input.SecretString ? 1 : 0,
        };
        secrets.set(id, s);
        return sendJson(res, 200, { ARN: s.arn, Name: s.name, VersionId: randomUUID() });
      }
      case 'PutSecretValue':
        if (!existing) return notFound();
        existing.value = String(input.SecretString);
        existing.versions++;
        return sendJson(res, 200, { ARN: existing.arn, Name: existing.name, VersionId: randomUUID() });
      case 'GetSecretValue':
        if (!existing || existing.value === undefined) return notFound();
        return sendJson(res, 200, { ARN: existing.arn, Name: existing.name, SecretString: existing.value });
      case 'DescribeSecret':
        if (!existing) return notFound();
        return sendJson(res, 200, {
          ARN: existing.arn,
          Name: existing.name,
          Tags: existing.tags,
          KmsKeyId: existing.kmsKeyId,
        });
      case 'TagResource': {
        if (!existing) return notFound();
        for (const tag of (input.Tags ?? []) as StoredSecret['tags']) {
          existing.tags = [...existing.tags.filter((t) => t.Key !== tag.Key), tag];
        }
        return sendJson(res, 200, {});
      }
      case 'DeleteSecret':
        if (!existing) return notFound();
        secrets.delete(existing.name);
        return sendJson(res, 200, {
          ARN: existing.arn,
          Name: existing.name,
          DeletionDate: Date.now() / 1000,
        });
      default:
        return fail(400, 'InvalidAction', `unsupported operation ${op}`);
    }

    async function sts(form: string) {
      const p = new URLSearchParams(form);
      if (p.get('Action') !== 'AssumeRoleWithWebIdentity')
        return stsError(400, 'InvalidAction', 'unsupported');
      const roleArn = p.get('RoleArn') ?? '';
      const role = options.roles[roleArn];
      const subject = await options.tokens.verify(p.get('WebIdentityToken') ?? '', 'sts.amazonaws.com');
      if (!role || !subject || !role.boundSubjects.includes(subject))
        return stsError(
          403,
          'AccessDenied',
          'Not authorized to perform sts:AssumeRoleWithWebIdentity',
          subject,
        );
      const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
      const secret = randomBytes(30).toString('base64');
      const token = randomBytes(48).toString('base64');
      const expires = Date.now() + 3600_000;
      sessions.set(accessKeyId, { secret, token, roleArn, subject, expires });
      record(200, `assumed ${roleArn} as ${subject}`);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>` +
          `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${secret}</SecretAccessKey>` +
          `<SessionToken>${token}</SessionToken><Expiration>${new Date(expires).toISOString()}</Expiration></Credentials>` +
          `<SubjectFromWebIdentityToken>${subject}</SubjectFromWebIdentityToken>` +
          `<AssumedRoleUser><Arn>${roleArn}/session</Arn><AssumedRoleId>AROA:session</AssumedRoleId></AssumedRoleUser>` +
          `</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
      );
    }
    function stsError(status: number, code: string, message: string, note?: string) {
      record(status, `${code}${note ? ` for ${note}` : ''}`);
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    }
  });

  return {
    url: handle.url,
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
