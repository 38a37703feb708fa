import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config.schema.js';
import { loadConfig } from '../config/config.js';
import { controlPlaneWithAdminEnvSchema, loadAdminConfig } from './admin.config.js';

const base = loadConfig({
  SESSION_SECRET: 'x'.repeat(40),
  PGLITE_DIR: '/tmp/cw-admin-config-test/pglite',
  PUBLIC_URL: 'https://platform.example.com',
});
const problems = (env: Record<string, string>) => {
  try {
    loadAdminConfig(env, base);
  } catch (error) {
    if (error instanceof ConfigError)
      return Object.fromEntries(error.problems.map((p) => [p.variable, p.message]));
    throw error;
  }
  return {};
};
const entra = {
  ADMIN_OIDC_ISSUER: 'https://login.microsoftonline.com/tid-1/v2.0',
  ADMIN_OIDC_AUDIENCE: 'api://cw-admin',
};

describe('admin configuration', () => {
  it('is off (503) without an issuer, render-only without a kubeconfig, local vault by default', () => {
    expect(loadAdminConfig({}, base)).toMatchObject({
      bearer: null,
      login: null,
      vault: { kind: 'local', dir: '.data/vault' },
      kubeconfig: undefined,
      sessionTtlMs: 7_200_000,
    });
  });

  it('builds the verifier and the browser login from ADMIN_OIDC_*', () => {
    const config = loadAdminConfig(
      {
        ...entra,
        ADMIN_OIDC_ALLOWED_TENANT_IDS: 'tid-1, tid-2',
        ADMIN_OIDC_ROLES_CLAIM: 'realm_access.roles',
        ADMIN_OIDC_GROUP_ROLE_MAP: '{"grp-support": "sqa", "grp-leads": "manager"}',
        ADMIN_OIDC_CLIENT_ID: 'cw-admin-web',
        ADMIN_OIDC_CLIENT_SECRET: 'web-secret',
      },
      base,
    );
    expect(config.bearer).toMatchObject({
      ...{ issuer: entra.ADMIN_OIDC_ISSUER, audience: 'api://cw-admin' },
      allowedTenantIds: ['tid-1', 'tid-2'],
      rolesClaim: 'realm_access.roles',
      groupRoleMap: { 'grp-support': 'sqa', 'grp-leads': 'manager' },
      jwksCooldownSeconds: 30,
    });
    expect(config.login).toMatchObject({
      clientId: 'cw-admin-web',
      redirectUri: 'https://platform.example.com/admin/callback',
    });
  });

  it('stops the boot naming the variable, never echoing a secret', () => {
    expect(problems({ ADMIN_OIDC_ISSUER: entra.ADMIN_OIDC_ISSUER })).toEqual({
      ADMIN_OIDC_AUDIENCE: expect.stringContaining('is required when ADMIN_OIDC_ISSUER is set'),
    });
    expect(problems({ ...entra, ADMIN_OIDC_GROUP_ROLE_MAP: '{not json' })).toEqual({
      ADMIN_OIDC_GROUP_ROLE_MAP: expect.stringContaining('must be a JSON object'),
    });
    expect(problems({ ...entra, ADMIN_OIDC_GROUP_ROLE_MAP: '{"grp": "root"}' })).toEqual({
      ADMIN_OIDC_GROUP_ROLE_MAP: expect.stringContaining('unknown role'),
    });
    expect(problems({ ...entra, ADMIN_OIDC_GROUP_ROLE_MAP: '["manager"]' })).toHaveProperty(
      'ADMIN_OIDC_GROUP_ROLE_MAP',
    );
    expect(problems({ ADMIN_OIDC_ISSUER: 'http://idp.example', ADMIN_OIDC_AUDIENCE: 'a' })).toEqual({
      ADMIN_OIDC_ISSUER: 'must be an https URL',
    });
    expect(problems({ ADMIN_OIDC_ISSUER: 'not a url', ADMIN_OIDC_AUDIENCE: 'a' })).toHaveProperty(
      'ADMIN_OIDC_ISSUER',
    );
    expect(problems({ ADMIN_OIDC_CLIENT_ID: 'web' })).toHaveProperty('ADMIN_OIDC_ISSUER');
    expect(problems({ ...entra, ADMIN_SESSION_TTL: 'forever' })).toHaveProperty('ADMIN_SESSION_TTL');
    const secret = problems({
      ...entra,
      ADMIN_OIDC_CLIENT_ID: 'web',
      ADMIN_OIDC_CLIENT_SECRET: 's3cr3t-value',
      ADMIN_OIDC_REDIRECT_URI: 'ftp://nope',
    });
    expect(secret).toHaveProperty('ADMIN_OIDC_REDIRECT_URI');
    expect(JSON.stringify(secret)).not.toContain('s3cr3t-value');
  });

  it('refuses http issuers in production even with ADMIN_OIDC_ALLOW_INSECURE', () => {
    const prod = { ...base, env: 'production' as const };
    expect(() =>
      loadAdminConfig(
        {
          ADMIN_OIDC_ISSUER: 'http://127.0.0.1:9',
          ADMIN_OIDC_AUDIENCE: 'a',
          ADMIN_OIDC_ALLOW_INSECURE: 'true',
        },
        prod,
      ),
    ).toThrow(/ADMIN_OIDC_ALLOW_INSECURE: must not be set in production/);
    expect(
      loadAdminConfig(
        {
          ADMIN_OIDC_ISSUER: 'http://127.0.0.1:9',
          ADMIN_OIDC_AUDIENCE: 'a',
          ADMIN_OIDC_ALLOW_INSECURE: 'true',
        },
        base,
      ).bearer,
    ).toMatchObject({ allowInsecureRequests: true });
  });

  it('extends the app schema: one schema can validate everything', () => {
    const bad = (env: Record<string, string>) =>
      controlPlaneWithAdminEnvSchema
        .safeParse({ SESSION_SECRET: 'x'.repeat(40), ...env })
        .error?.issues.map((i) => i.path[0]);
    expect(bad({ PORT: 'abc', ADMIN_SESSION_TTL: '2h' })).toEqual(['PORT']);
    // Cross-variable rules of both sets run once every variable parses.
    expect(
      bad({ ADMIN_OIDC_ISSUER: entra.ADMIN_OIDC_ISSUER, STRIPE_SECRET_KEY: 'sk_test_abc' })?.sort(),
    ).toEqual(['ADMIN_OIDC_AUDIENCE', 'STRIPE_WEBHOOK_SECRET']);
  });
});
