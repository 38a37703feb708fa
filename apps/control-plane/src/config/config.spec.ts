import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.schema.js';
import { describeConfig, loadConfig } from './config.js';

const base = { SESSION_SECRET: 'x'.repeat(40), PGLITE_DIR: '/tmp/cw-config-test/pglite' };
const problems = (env: Record<string, string>) => {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError)
      return Object.fromEntries(error.problems.map((p) => [p.variable, p.message]));
    throw error;
  }
  return {};
};

describe('configuration', () => {
  it('runs on embedded defaults: PGlite, dev outbox, billing off, port 3000', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: 3000,
      publicUrl: 'http://localhost:3000',
      baseDomain: 'localtest.me',
      stripe: undefined,
      mail: { transport: 'outbox' },
    });
    expect(config.database.url).toBeUndefined();
    expect(config.billing).toEqual({ pastDueGraceMs: 7 * 86_400_000, offboardGraceMs: 30 * 86_400_000 });
    expect(describeConfig(config)).toMatchObject({
      database: 'pglite (/tmp/cw-config-test/pglite)',
      billing: 'off (trial)',
    });
  });

  it('expires abandoned sign-ups after SIGNUP_EXPIRY: 7 days unless set, 0 turns it off', () => {
    expect(loadConfig(base).signupExpiryMs).toBe(7 * 86_400_000);
    expect(loadConfig({ ...base, SIGNUP_EXPIRY: '36h' }).signupExpiryMs).toBe(36 * 3_600_000);
    expect(loadConfig({ ...base, SIGNUP_EXPIRY: '0' }).signupExpiryMs).toBe(0);
    expect(describeConfig(loadConfig(base))).toMatchObject({ signupExpiryMs: 7 * 86_400_000 });
    expect(problems({ SIGNUP_EXPIRY: 'a week' })).toEqual({
      SIGNUP_EXPIRY: 'must be a duration such as "30s", "15m", "12h" or "7d" (got "a week")',
    });
    expect(problems({ SIGNUP_EXPIRY: '-1d' })).toHaveProperty('SIGNUP_EXPIRY');
    expect(problems({ SIGNUP_EXPIRY: '7' })).toHaveProperty('SIGNUP_EXPIRY');
  });

  it('turns billing on with both Stripe keys', () => {
    const config = loadConfig({
      ...base,
      STRIPE_SECRET_KEY: 'sk_test_abc',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
    });
    expect(config.stripe).toEqual({
      secretKey: 'sk_test_abc',
      webhookSecret: 'whsec_abc',
      apiBase: 'http://127.0.0.1:12111',
      toleranceSeconds: 300,
    });
    expect(JSON.stringify(describeConfig(config))).not.toContain('sk_test_abc');
  });

  it('names the variable that is wrong', () => {
    expect(problems({ PORT: 'abc' })).toEqual({ PORT: 'must be a whole number from 1 to 65535 (got "abc")' });
    expect(problems({ PORT: '70000' })).toHaveProperty('PORT');
    expect(problems({ DATABASE_URL: 'mysql://x' })).toHaveProperty('DATABASE_URL');
    expect(problems({ PAYMENT_GRACE_PERIOD: 'a week' })).toEqual({
      PAYMENT_GRACE_PERIOD: 'must be a duration such as "30s", "15m", "12h" or "7d" (got "a week")',
    });
    expect(problems({ MAIL_TRANSPORT: 'pigeon' })).toEqual({
      MAIL_TRANSPORT: 'must be one of outbox, smtp, acs',
    });
    expect(problems({ STRIPE_SECRET_KEY: 'sk_test_abc' })).toEqual({
      STRIPE_WEBHOOK_SECRET: 'is required when STRIPE_SECRET_KEY is set',
    });
    expect(problems({ STRIPE_SECRET_KEY: 'pk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_a' })).toHaveProperty(
      'STRIPE_SECRET_KEY',
    );
    expect(problems({ MAIL_TRANSPORT: 'smtp' })).toEqual({
      SMTP_URL: 'is required when MAIL_TRANSPORT=smtp',
    });
    expect(problems({ SESSION_SECRET: 'short' })).toHaveProperty('SESSION_SECRET');
    expect(
      problems({
        NODE_ENV: 'production',
        SESSION_SECRET: '',
        MAIL_TRANSPORT: 'smtp',
        SMTP_URL: 'smtp://mail',
      }),
    ).toEqual({
      SESSION_SECRET: 'is required in production (at least 32 random characters)',
    });
    expect(problems({ BASE_DOMAIN: 'Not A Domain' })).toHaveProperty('BASE_DOMAIN');
  });

  it('takes a workspace URL template and outbound exceptions for local development only', () => {
    const local = loadConfig({
      ...base,
      WORKSPACE_URL_TEMPLATE: 'http://{slug}.localtest.me:3080',
      OUTBOUND_ALLOW_HOSTS: '*.localtest.me:3080, 127.0.0.1:4000',
    });
    expect(local.workspaceUrlTemplate).toBe('http://{slug}.localtest.me:3080');
    expect(local.outboundAllowHosts).toEqual(['*.localtest.me:3080', '127.0.0.1:4000']);
    expect(loadConfig(base)).toMatchObject({ workspaceUrlTemplate: undefined, outboundAllowHosts: [] });
    expect(problems({ WORKSPACE_URL_TEMPLATE: 'http://localtest.me:3080' })).toHaveProperty(
      'WORKSPACE_URL_TEMPLATE',
    );
    expect(problems({ WORKSPACE_URL_TEMPLATE: 'ftp://{slug}.example' })).toHaveProperty(
      'WORKSPACE_URL_TEMPLATE',
    );
    expect(problems({ OUTBOUND_ALLOW_HOSTS: 'no-port' })).toHaveProperty('OUTBOUND_ALLOW_HOSTS');
    expect(
      problems({
        NODE_ENV: 'production',
        MAIL_TRANSPORT: 'smtp',
        SMTP_URL: 'smtp://m.example:25',
        OUTBOUND_ALLOW_HOSTS: '*.localtest.me:3080',
      }),
    ).toEqual({ OUTBOUND_ALLOW_HOSTS: 'must be empty in production (exceptions are for local development)' });
  });
});
