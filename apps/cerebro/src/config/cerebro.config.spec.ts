import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCerebroEnv, readSecretFile } from './cerebro.config.js';

const valid = {
  tenant: 'acme',
  displayName: 'Acme',
  plan: 'team',
  seats: 5,
  hostname: 'acme.contextweaver.app',
  url: 'https://acme.contextweaver.app',
  cloud: { provider: 'local', region: 'local' },
  identity: { mode: 'magic-link' },
  store: { kind: 'memory' },
  vault: { kind: 'memory' },
  mail: { transport: 'outbox', dir: '/var/lib/contextweaver/outbox', from: 'no-reply@acme.test' },
};

describe('loadCerebroEnv', () => {
  let dir = '';
  const file = async (name: string, content: string) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cerebro-config-'));
  });

  it('reads a valid file with defaults applied', async () => {
    const env = loadCerebroEnv({
      CW_CONFIG_FILE: await file('ok.json', JSON.stringify(valid)),
      CW_TENANT: 'acme',
    });
    expect(env.port).toBe(5080);
    expect(env.config.session).toEqual({ ttlSeconds: 43_200, insecureCookies: false });
    expect(env.config.magicLink.ttlSeconds).toBe(900);
  });

  it('names the variable or the field path of every problem', async () => {
    expect(() => loadCerebroEnv({})).toThrow('CW_CONFIG_FILE: is required');
    expect(() => loadCerebroEnv({ CW_CONFIG_FILE: join(dir, 'missing.json') })).toThrow(
      /cannot read .* \(ENOENT\)/,
    );
    const notJson = await file('bad.json', '{');
    expect(() => loadCerebroEnv({ CW_CONFIG_FILE: notJson })).toThrow('is not valid JSON');
    const bad = await file(
      'fields.json',
      JSON.stringify({
        ...valid,
        identity: { mode: 'oidc', issuer: 'nope', clientId: 'c' },
        mail: { transport: 'smtp', from: 'x@y.z', urlFile: 'relative' },
      }),
    );
    expect(() => loadCerebroEnv({ CW_CONFIG_FILE: bad })).toThrow(
      /identity\.issuer: .*mail\.urlFile: must be an absolute file path/,
    );
    const ok = await file('ok2.json', JSON.stringify(valid));
    expect(() => loadCerebroEnv({ CW_CONFIG_FILE: ok, CW_TENANT: 'other' })).toThrow(
      'CW_TENANT: is "other" but the config file is for tenant "acme"',
    );
    expect(() => loadCerebroEnv({ CW_CONFIG_FILE: ok, CW_PORT: 'http' })).toThrow(
      'CW_PORT: must be a port number',
    );
    // Every bad variable at once, each named.
    expect(() => loadCerebroEnv({ CW_PORT: 'http' })).toThrow(
      /CW_PORT: must be a port number\nCW_CONFIG_FILE: is required/,
    );
    expect(() => loadCerebroEnv({ CW_CONFIG_FILE: ok, CW_PORT: '99999', CW_TENANT: 'other' })).toThrow(
      /CW_PORT: must be a port number\nCW_TENANT: is "other"/,
    );
  });

  it('reads secrets from files and never puts their content in an error', async () => {
    const secret = await file('client-secret', 's3cr3t-value\n');
    expect(readSecretFile(secret, 'identity.clientSecretFile')).toBe('s3cr3t-value');
    const empty = await file('empty', '\n');
    expect(() => readSecretFile(empty, 'identity.clientSecretFile')).toThrow(
      'identity.clientSecretFile: the secret file',
    );
    expect(() => readSecretFile('client-secret', 'x', dir)).not.toThrow(); // relative → CW_SECRETS_DIR
  });

  it('merges the mounted first-managers file into bootstrapManagers (lower-cased, trimmed, deduplicated)', async () => {
    const managers = await file(
      'cerebro-first-managers',
      '  Admin@Acme.TEST \r\n\nops@acme.test\nadmin@acme.test\n',
    );
    const env = loadCerebroEnv({
      CW_CONFIG_FILE: await file(
        'managers.json',
        JSON.stringify({ ...valid, bootstrapManagers: ['ops@acme.test'], bootstrapManagersFile: managers }),
      ),
    });
    expect(env.config.bootstrapManagers).toEqual(['ops@acme.test', 'admin@acme.test']);
  });

  it('names the file and line of a bad first manager without echoing any line', async () => {
    const managers = await file('bad-managers', 'first.person@acme.test\nnot-an-address\n\nsecond.person@\n');
    const config = await file(
      'bad-managers.json',
      JSON.stringify({ ...valid, bootstrapManagersFile: managers }),
    );
    let message = '';
    try {
      loadCerebroEnv({ CW_CONFIG_FILE: config });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`bootstrapManagersFile: ${managers} line 2, 4: not an e-mail address`);
    expect(message).not.toMatch(/first\.person|not-an-address|second\.person/);
    const missing = await file(
      'no-managers.json',
      JSON.stringify({ ...valid, bootstrapManagersFile: join(dir, 'absent') }),
    );
    expect(() => loadCerebroEnv({ CW_CONFIG_FILE: missing })).toThrow(
      `bootstrapManagersFile: cannot read ${join(dir, 'absent')} (ENOENT)`,
    );
    const relative = await file(
      'rel-managers.json',
      JSON.stringify({ ...valid, bootstrapManagersFile: 'managers' }),
    );
    expect(() => loadCerebroEnv({ CW_CONFIG_FILE: relative })).toThrow(
      'bootstrapManagersFile: must be an absolute file path',
    );
  });
});
