import { describe, expect, it } from 'vitest';
import { cerebroConfigSchema, parseCerebroConfig, parseTenant, type Tenant } from '@cw/tenant-model';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { cerebroConfig, LOCAL_KNOWLEDGE_DATA_DIR } from './cerebro-config.js';
import { DATA_DIR } from './constructs/pod.js';
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

  describe('knowledge section (what cerebro opens with openKnowledge)', () => {
    const render = (name: string, t?: Tenant) => {
      const config = cerebroConfig(t ?? example(name), name === 'local' ? undefined : secrets);
      // Through the JSON the ConfigMap carries, parsed by the function cerebro boots with.
      return parseCerebroConfig(JSON.parse(JSON.stringify(config)));
    };

    it('Azure with a search binding: AI Search, the exact index the tenant stack grants, workload identity', () => {
      const t = example('azure-shared');
      expect(render('azure-shared').knowledge).toEqual({
        search: {
          kind: 'azure-ai-search',
          endpoint: t.spec.bindings.search!.endpoint,
          indexName: `${t.metadata.name}-documents`,
          auth: { kind: 'workload-identity' },
        },
        embedder: { kind: 'local-lexical', dimensions: 64 },
      });
    });

    it('AWS with a search binding: OpenSearch Serverless, index inside the <slug>_* grant, SigV4', () => {
      const t = example('aws-shared');
      expect(render('aws-shared').knowledge).toEqual({
        search: {
          kind: 'opensearch',
          node: t.spec.bindings.search!.endpoint,
          indexName: `${t.metadata.name}_knowledge`,
          auth: { kind: 'aws-sigv4', region: t.spec.cloud.region, service: 'aoss' },
        },
        embedder: { kind: 'local-lexical', dimensions: 64 },
      });
    });

    it('local: pgvector on PGlite inside the writable data emptyDir (the root filesystem is read-only)', () => {
      const knowledge = render('local').knowledge;
      expect(knowledge?.search).toEqual({
        kind: 'pgvector',
        connection: { driver: 'pglite', dataDir: LOCAL_KNOWLEDGE_DATA_DIR },
        schema: 'knowledge',
        textSearchConfig: 'english',
      });
      expect(LOCAL_KNOWLEDGE_DATA_DIR.startsWith(`${DATA_DIR}/`)).toBe(true);
    });

    it('no backend the stack provisions (GCP: no search binding, Firestore; a cloud tenant before its search binding): no section', () => {
      expect(example('gcp-dedicated').spec.bindings.search).toBeUndefined();
      expect(render('gcp-dedicated').knowledge).toBeUndefined();
      const t = example('azure-shared');
      const { search: _omit, ...bindings } = t.spec.bindings;
      expect(render('azure-shared', { ...t, spec: { ...t.spec, bindings } }).knowledge).toBeUndefined();
    });

    it.each(['local', 'azure-shared', 'aws-shared'])(
      '%s: the section survives a strict re-parse unchanged',
      (name) => {
        const knowledge = cerebroConfig(example(name), name === 'local' ? undefined : secrets).knowledge;
        expect(knowledge).toBeDefined();
        expect(cerebroConfigSchema.shape.knowledge.parse(knowledge)).toEqual(knowledge);
      },
    );
  });
});
