import { describe, expect, it } from 'vitest';
import { cerebroConfigSchema, parseTenant } from '@cw/tenant-model';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { cerebroConfig } from './cerebro-config.js';
import type { Volume } from './constructs/pod.js';

const example = (name: string) =>
  parseTenant(
    parse(readFileSync(new URL(`../../../tenants/examples/${name}.yaml`, import.meta.url), 'utf8')),
  );
const secrets = {
  name: 'vault-secrets',
  mountPath: '/var/run/secrets/contextweaver',
  source: { emptyDir: {} },
} as unknown as Volume;

describe('cerebroConfig', () => {
  it.each(['local', 'azure-shared', 'aws-shared', 'gcp-dedicated'])(
    'renders %s as the exact schema cerebro parses',
    (name) => {
      const config = cerebroConfig(example(name), name === 'local' ? undefined : secrets);
      expect(cerebroConfigSchema.parse(config)).toEqual(config); // nothing missing, nothing extra
      expect(JSON.stringify(config)).not.toMatch(/secret"\s*:\s*"(?!\/)/i); // secrets only as file paths
    },
  );

  it('maps the identity, store and engines of a cloud tenant', () => {
    const config = cerebroConfig(example('azure-shared'), secrets);
    expect(config.store.kind).toBe('cosmos');
    expect(config.session.insecureCookies).toBe(false);
    expect(config.url.startsWith('https://')).toBe(true);
    if (config.identity.mode === 'oidc') {
      expect(config.identity.clientSecretFile?.startsWith('/var/run/secrets/contextweaver/')).toBe(true);
    }
    for (const engine of config.engines)
      expect(engine.mcpUrl).toMatch(/^http:\/\/engine-[a-z0-9-]+\.tenant-contoso\.svc:5001\/mcp$/);
  });

  it('a cloud tenant without a database binding is a render issue naming the field', () => {
    const t = example('aws-shared');
    const { database: _omit, ...bindings } = t.spec.bindings;
    expect(() => cerebroConfig({ ...t, spec: { ...t.spec, bindings } }, secrets)).toThrow(
      /spec\.bindings\.database/,
    );
  });
});
