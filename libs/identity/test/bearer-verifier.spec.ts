// Admin API bearer tokens against a real oidc-provider: the attacks an admin API must refuse,
// and key rotation without a restart.
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, unusedPort, type TestOidcProvider } from '@cw/testing/oidc';
import {
  AuthenticationError,
  AuthorizationError,
  createBearerVerifier,
  hasRole,
  identityErrorToHttp,
  IdentityProviderUnavailableError,
  requireRole,
  type AuthenticationFailureReason,
  type BearerVerifierConfigInput,
} from '../src/index.js';

const TID = 'tid-contextweaver';
let op: TestOidcProvider;

beforeAll(async () => {
  op = await startOidcProvider({ account: { tid: TID } });
});
afterAll(() => op.stop());

const verifierFor = (overrides: Partial<BearerVerifierConfigInput> = {}) =>
  createBearerVerifier({
    issuer: op.issuer,
    audience: op.audience,
    allowedTenantIds: [TID],
    allowInsecureRequests: true,
    ...overrides,
  });

async function refusal(
  promise: Promise<unknown>,
): Promise<{ reason: AuthenticationFailureReason; status?: number }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AuthenticationError)
      return { reason: err.reason, status: identityErrorToHttp(err)?.status };
    throw err;
  }
  throw new Error('the token was accepted');
}
const bearer = (token: string) => `Bearer ${token}`;

describe('a valid token', () => {
  it('becomes a principal with roles, tenant and e-mail', async () => {
    const principal = await verifierFor().verify(bearer(await op.signToken()));
    expect(principal).toMatchObject({
      subject: op.account.sub,
      issuer: op.issuer,
      tenantId: TID,
      email: op.account.email,
      displayName: op.account.name,
      roles: ['manager'],
    });
    expect(hasRole(principal, 'sqa')).toBe(true);
    expect(() => requireRole(principal, 'manager')).not.toThrow();
  });

  it('is accepted when aud is a list containing the audience', async () => {
    const token = await op.signToken({}, { audience: ['https://graph.example', op.audience] });
    await expect(verifierFor().verify(bearer(token))).resolves.toMatchObject({ subject: op.account.sub });
  });

  it('is accepted within the clock skew after exp', async () => {
    const token = await op.signToken({}, { expiresIn: -20 });
    await expect(verifierFor({ clockSkewSeconds: 60 }).verify(bearer(token))).resolves.toBeDefined();
  });
});

describe('attack scenarios', () => {
  it('refuses a token from another identity tenant (401 tenant_not_allowed)', async () => {
    const verifier = verifierFor();
    expect(await refusal(verifier.verify(bearer(await op.signToken({ tid: 'tid-evil-corp' }))))).toEqual({
      reason: 'tenant_not_allowed',
      status: 401,
    });
    expect((await refusal(verifier.verify(bearer(await op.signToken({ tid: undefined }))))).reason).toBe(
      'tenant_not_allowed',
    );
  });

  it('refuses a forged signature (401 bad_signature), with the real kid or an unknown one', async () => {
    const { privateKey: foreign } = await generateKeyPair('RS256');
    const verifier = verifierFor();
    const sameKid = await op.signToken({ roles: ['manager'] }, { key: foreign });
    const otherKid = await op.signToken({ roles: ['manager'] }, { key: foreign, kid: 'attacker-key' });
    expect(await refusal(verifier.verify(bearer(sameKid)))).toEqual({ reason: 'bad_signature', status: 401 });
    expect((await refusal(verifier.verify(bearer(otherKid)))).reason).toBe('bad_signature');
  });

  it('treats a valid user without roles as viewer, so a manager action is refused with 403', async () => {
    const principal = await verifierFor().verify(
      bearer(await op.signToken({ roles: undefined, groups: undefined })),
    );
    expect(principal.roles).toEqual(['viewer']);
    let refused: unknown;
    try {
      requireRole(principal, 'manager');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(AuthorizationError);
    expect((refused as AuthorizationError).requiredRole).toBe('manager');
    expect(identityErrorToHttp(refused)?.status).toBe(403);
  });

  it('refuses an expired token', async () => {
    const token = await op.signToken({}, { expiresIn: -120 });
    expect((await refusal(verifierFor().verify(bearer(token)))).reason).toBe('expired');
  });

  it('refuses a token that is not valid yet', async () => {
    const token = await op.signToken({}, { notBefore: 600, expiresIn: 900 });
    expect((await refusal(verifierFor().verify(bearer(token)))).reason).toBe('not_yet_valid');
  });

  it('refuses a token for another audience', async () => {
    const token = await op.signToken({}, { audience: 'api://some-other-api' });
    expect((await refusal(verifierFor().verify(bearer(token)))).reason).toBe('wrong_audience');
  });

  it('refuses a token of another issuer, even signed with the right key', async () => {
    const token = await op.signToken({}, { issuer: 'https://login.evil.example' });
    expect((await refusal(verifierFor().verify(bearer(token)))).reason).toBe('wrong_issuer');
  });

  it('refuses alg none and HS256 keyed with the public key', async () => {
    const verifier = verifierFor();
    expect((await refusal(verifier.verify(bearer(await op.signToken({}, { alg: 'none' }))))).reason).toBe(
      'alg_not_allowed',
    );
    expect((await refusal(verifier.verify(bearer(await op.signToken({}, { alg: 'HS256' }))))).reason).toBe(
      'alg_not_allowed',
    );
  });

  it('refuses missing and malformed headers', async () => {
    const verifier = verifierFor();
    expect(await refusal(verifier.verify(undefined))).toEqual({ reason: 'missing_token', status: 401 });
    expect((await refusal(verifier.verify('  '))).reason).toBe('missing_token');
    expect((await refusal(verifier.verify(`Basic ${Buffer.from('a:b').toString('base64')}`))).reason).toBe(
      'malformed',
    );
    expect((await refusal(verifier.verify('Bearer not-a-jwt'))).reason).toBe('malformed');
    expect((await refusal(verifier.verify(bearer(await op.signToken()) + ' extra'))).reason).toBe(
      'malformed',
    );
  });
});

describe('signing keys', () => {
  it('fetches the JWKS once and serves later tokens from the cache', async () => {
    const before = op.jwksRequests;
    const verifier = verifierFor();
    for (let i = 0; i < 5; i++) await verifier.verify(bearer(await op.signToken()));
    expect(op.jwksRequests - before).toBe(1);
    // Junk kids inside the cooldown do not turn into requests to the IdP.
    for (let i = 0; i < 5; i++)
      await refusal(verifier.verify(bearer(await op.signToken({}, { kid: `junk-${i}` }))));
    expect(op.jwksRequests - before).toBe(1);
  });

  it('follows a key rotation without restart; tokens of the removed key then fail', async () => {
    const verifier = verifierFor({ jwksCooldownSeconds: 0 });
    const oldToken = await op.signToken();
    await expect(verifier.verify(bearer(oldToken))).resolves.toBeDefined();

    const newKid = await op.rotateKeys();
    const newToken = await op.signToken();
    expect(op.currentKid).toBe(newKid);
    await expect(verifier.verify(bearer(newToken))).resolves.toMatchObject({ subject: op.account.sub });
    expect((await refusal(verifier.verify(bearer(oldToken)))).reason).toBe('bad_signature');
  });

  it('uses a configured jwksUri without discovery', async () => {
    const verifier = verifierFor({ jwksUri: `${op.issuer}/jwks` });
    await expect(verifier.verify(bearer(await op.signToken()))).resolves.toBeDefined();
  });

  it('reports an unreachable IdP as unavailable (503), not as a bad token', async () => {
    const verifier = verifierFor({ issuer: `http://127.0.0.1:${await unusedPort()}`, httpTimeoutMs: 1_000 });
    const err = await verifier.verify(bearer(await op.signToken())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdentityProviderUnavailableError);
    expect(identityErrorToHttp(err)?.status).toBe(503);
  });
});

describe('roles from claims', () => {
  it('maps groups through groupRoleMap and ignores unknown role names', async () => {
    const verifier = verifierFor({ groupRoleMap: { 'grp-qa': 'sqa', 'grp-dev': 'developer' } });
    const fromGroups = await verifier.verify(
      bearer(await op.signToken({ roles: ['admin', 'root'], groups: ['grp-qa', 'grp-other'] })),
    );
    expect(fromGroups.roles).toEqual(['sqa']);
    expect(fromGroups.groups).toEqual(['grp-qa', 'grp-other']);
    const unknownOnly = await verifier.verify(
      bearer(await op.signToken({ roles: ['admin', 'superuser'], groups: [] })),
    );
    expect(unknownOnly.roles).toEqual(['viewer']);
  });

  it('reads a nested roles claim (Keycloak realm_access.roles)', async () => {
    const verifier = verifierFor({ rolesClaim: 'realm_access.roles', allowedTenantIds: [] });
    const principal = await verifier.verify(
      bearer(
        await op.signToken({ roles: undefined, realm_access: { roles: ['developer', 'offline_access'] } }),
      ),
    );
    expect(principal.roles).toEqual(['developer']);
  });
});

describe('configuration', () => {
  it('refuses alg none, HS256 and plain http without allowInsecureRequests, naming the field', () => {
    expect(() =>
      createBearerVerifier({ issuer: 'https://idp.example', audience: 'a', algorithms: ['none' as never] }),
    ).toThrow(/algorithms\.0/);
    expect(() =>
      createBearerVerifier({ issuer: 'https://idp.example', audience: 'a', algorithms: ['HS256' as never] }),
    ).toThrow(/algorithms\.0/);
    expect(() => createBearerVerifier({ issuer: 'http://idp.example', audience: 'a' })).toThrow(
      /issuer: must be an https URL/,
    );
  });
});
