// The contract on dynalite (in-process, 127.0.0.1), plus: every request's partition keys match the
// dynamodb:LeadingKeys condition the AWS tenant stack grants (read from the synthesized policy).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { defaultPlatformConfig, synthesizeTenantStack } from '@cw/cloud-stacks';
import { parseTenant, storeAdapterFromTenant } from '@cw/tenant-model';
import { defineCollection } from '../src/index.js';
import { DynamoTenantStore } from '../src/dynamodb/dynamodb.store.js';
import { describeStoreContract } from './contract.js';
import { startDynalite, type DynamoHarness, type RecordedRequest } from './dynamo-harness.js';

const TABLE = 'cw-tenants';
let harness: Promise<DynamoHarness> | undefined;
const dynamo = () => (harness ??= startDynalite());

describeStoreContract('dynamodb (dynalite)', {
  open: async (tenant, clock) => {
    const h = await dynamo();
    return new DynamoTenantStore({
      tenant,
      client: h.doc,
      table: TABLE,
      createTable: () => h.createTable(TABLE),
      clock,
    });
  },
});

/** The LeadingKeys patterns the tenant stack's role policy grants on the shared table. */
function leadingKeysGrant(slug: string): string[] {
  const example = parse(
    readFileSync(new URL('../../../tenants/examples/aws-shared.yaml', import.meta.url), 'utf8'),
  );
  const tenant = parseTenant({ ...example, metadata: { name: slug } });
  const { json } = synthesizeTenantStack(tenant, defaultPlatformConfig('aws'));
  const policies = Object.values(
    (json.resource as Record<string, Record<string, { policy?: string }>>).aws_iam_role_policy ?? {},
  );
  const statements = policies.flatMap(
    (p) =>
      (
        JSON.parse(String(p.policy)) as {
          Statement: { Condition?: Record<string, Record<string, string[]>> }[];
        }
      ).Statement,
  );
  const grant = statements.flatMap(
    (s) => s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? [],
  );
  expect(grant.length).toBeGreaterThan(0);
  return grant;
}

/** IAM StringLike: '*' any run of characters, '?' one character. */
const stringLike = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  ).test(value);

/** The partition-key values IAM sees as dynamodb:LeadingKeys for one request. */
function leadingKeys(r: RecordedRequest): string[] {
  const s = (v: unknown) => (v as { S?: string }).S ?? String(v);
  const input = r.input as {
    Key?: { pk: unknown };
    Item?: { pk: unknown };
    ExpressionAttributeValues?: Record<string, unknown>;
  };
  if (input.Key) return [s(input.Key.pk)];
  if (input.Item) return [s(input.Item.pk)];
  const pk = input.ExpressionAttributeValues?.[':pk'];
  return pk === undefined ? [] : [s(pk)];
}

describe('dynamodb: requests stay inside the LeadingKeys grant of the AWS tenant stack', () => {
  let h: DynamoHarness;
  beforeAll(async () => {
    h = await dynamo();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('every GetItem/PutItem/DeleteItem/Query of acme and acme-eu matches only its own grant', async () => {
    const notes = defineCollection('notes', z.object({ text: z.string() }));
    const grants = { acme: leadingKeysGrant('acme'), 'acme-eu': leadingKeysGrant('acme-eu') };
    expect(grants.acme).toEqual(['acme#*']);
    for (const slug of ['acme', 'acme-eu'] as const) {
      // The adapter is built from what the operator renders for this tenant: storeAdapterFromTenant.
      const example = parse(
        readFileSync(new URL('../../../tenants/examples/aws-shared.yaml', import.meta.url), 'utf8'),
      );
      const config = storeAdapterFromTenant(parseTenant({ ...example, metadata: { name: slug } }));
      if (config.kind !== 'dynamodb') throw new Error(`expected dynamodb, got ${config.kind}`);
      const store = new DynamoTenantStore({
        tenant: slug,
        client: h.doc,
        table: TABLE,
        keyPrefix: config.keyPrefix,
        createTable: () => h.createTable(TABLE),
      });
      h.requests.length = 0;
      await store.init();
      const col = store.collection(notes);
      const v = await col.create('p', 'x', { text: slug }, { ttlSeconds: 60 });
      await col.put('p', 'x', { text: 'again' }, { ifVersion: v.version });
      await col.get('p', 'x');
      await col.query('p', { idPrefix: 'x' });
      await col.delete('p', 'x');
      await store.dropTenantData();
      const tableRequests = h.requests.filter((r) => r.command !== 'CreateTableCommand');
      expect(tableRequests.map((r) => r.command)).toEqual(
        expect.arrayContaining(['GetItemCommand', 'PutItemCommand', 'QueryCommand', 'DeleteItemCommand']),
      );
      const other = slug === 'acme' ? 'acme-eu' : 'acme';
      for (const r of tableRequests) {
        const keys = leadingKeys(r);
        expect(keys.length, `${r.command} carries its partition key`).toBeGreaterThan(0);
        for (const key of keys) {
          expect(
            grants[slug].some((g) => stringLike(g, key)),
            `${key} within ${slug}'s grant`,
          ).toBe(true);
          expect(
            grants[other].some((g) => stringLike(g, key)),
            `${key} outside ${other}'s grant`,
          ).toBe(false);
        }
      }
      expect(tableRequests.some((r) => r.command === 'ScanCommand')).toBe(false);
    }
  });

  it('refuses a key prefix other than the tenant grant', () => {
    expect(
      () => new DynamoTenantStore({ tenant: 'acme', client: h.doc, table: TABLE, keyPrefix: 'acme' }),
    ).toThrow(/config.keyPrefix/);
  });
});
