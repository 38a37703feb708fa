/**
 * TenantDataPurger over what the platform itself holds of a tenant, and a truthful account of
 * the rest. Per place a tenant's data can live:
 *
 * | data                | where                                                      | here                         |
 * | ------------------- | ---------------------------------------------------------- | ---------------------------- |
 * | store, local cloud  | schema `tenant_<slug>` (`-` → `_`) of the platform          | dropTenantData (rows counted |
 * |                     | PostgreSQL (npm start's data plane with DATABASE_URL)      | per collection first)        |
 * |                     | PGlite in the workloads' volume                            | goes with the workloads      |
 * | store, Azure        | Cosmos DB database of the tenant stack                     | stack destroy                |
 * | store, AWS / GCP    | dedicated: own table / database (stack);                   | stack destroy; shared: with  |
 * |                     | shared: `<slug>#` items / `<slug>_` collections in the     | PURGE_SHARED_DATA, the       |
 * |                     | platform's table / database                                | store's dropTenantData       |
 * | vault, local        | `<schema>_vault` of the platform PostgreSQL (data-plane    | purgeLocalVault              |
 * |                     | secrets, IdP secret); credentials in the tenant store      | with the store               |
 * | vault, cloud        | Azure: the tenant's Key Vault (stack); AWS/GCP: names      | stack destroy; people's      |
 * |                     | under the tenant prefix, people's `cred-*` outside the     | cred-* with DATA_PLANE_      |
 * |                     | stack                                                      | SECRETS=all, else NOT purged |
 * | knowledge           | local: PGlite in cerebro's volume; dedicated cloud: own    | workloads / stack destroy /  |
 * |                     | search service; shared cloud: the tenant's index on the    | with PURGE_SHARED_DATA every |
 * |                     | platform's service                                         | source (purgeTenantKnowledge)|
 *
 * Every statement is scoped to the exact tenant id or schema, so `acme` never touches `acme-eu`.
 * The shared cloud services are purged only with `sharedData` (PURGE_SHARED_DATA=true): the
 * provisioner's own cloud identity must then be allowed to delete the tenant's items, collections
 * or index there (docs/provisioning.md lists the grants); without it the account says NOT removed.
 */
import type { KnowledgeIndex } from '@cw/knowledge';
import {
  searchAdapterFromTenant,
  storeAdapterFromTenant,
  vaultAdapterFromBinding,
  type SearchAdapterConfig,
  type StoreAdapterConfig,
  type Tenant,
} from '@cw/tenant-model';
import {
  PostgresTenantStore,
  openTenantStore,
  pgPoolClient,
  type SqlClient,
  type TenantStore,
} from '@cw/tenant-store';
import type { PurgedArea, TenantDataPurger } from '../ports.js';
import type { VaultDataPlaneSecrets } from './vault-data-plane-secrets.js';

/** Schema of a local tenant's store on the platform PostgreSQL, as npm start's local data plane names it. */
export const localTenantStoreSchema = (slug: string): string => `tenant_${slug.replaceAll('-', '_')}`;

/** The store collection the local vault keeps people's credentials in (@cw/vault VAULT_COLLECTION). */
const CREDENTIALS_COLLECTION = 'vault_credentials';

export interface PlatformTenantDataPurgerOptions {
  /** The platform's PostgreSQL (DATABASE_URL), where npm start's data plane keeps local tenants' stores. */
  readonly databaseUrl?: string | undefined;
  /** The local tenant vaults the render step seeds (and the control plane writes the IdP secret to). */
  readonly vault: Pick<VaultDataPlaneSecrets, 'purgeLocal'> &
    Partial<Pick<VaultDataPlaneSecrets, 'purgeCloudCredentials'>>;
  /**
   * PURGE_SHARED_DATA: remove a shared-isolation tenant's items, collections and knowledge index
   * from the platform's shared cloud services, with the provisioner's own cloud identity.
   * @default false (the account says NOT removed and why)
   */
  readonly sharedData?: boolean;
  /** Opens the tenant's store on a shared service. @default openTenantStore (the process's cloud identity) */
  readonly openStore?: (config: StoreAdapterConfig, tenant: string) => Promise<TenantStore>;
  /** Opens the tenant's knowledge index on a shared service. @default @cw/knowledge's openKnowledgeIndex */
  readonly openIndex?: (config: SearchAdapterConfig) => Promise<KnowledgeIndex>;
}

const NO_SHARED_RIGHTS = 'PURGE_SHARED_DATA is off (the provisioner is not granted deletes there)';

export class PlatformTenantDataPurger implements TenantDataPurger {
  private client: Promise<SqlClient> | undefined;

  constructor(private readonly opts: PlatformTenantDataPurgerOptions) {}

  async purge(tenant: Tenant): Promise<PurgedArea[]> {
    const store = await this.purgeStore(tenant);
    return [store, ...(await this.purgeVault(tenant, store)), await this.purgeKnowledge(tenant)];
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await (await client).end();
  }

  private async purgeStore(tenant: Tenant): Promise<PurgedArea> {
    const slug = tenant.metadata.name;
    const { cloud, isolation, bindings } = tenant.spec;
    const dedicated = isolation === 'dedicated';
    if (cloud.provider === 'local') {
      if (bindings.database && /^postgres(ql)?:/.test(bindings.database.endpoint))
        return {
          area: 'store',
          where: `PostgreSQL binding, schema ${bindings.database.name || `tenant_${slug}`}`,
          outcome: 'not-purged',
          note: "its URL is the vault secret database-url, which the provisioner does not read: drop that schema with the database's tooling",
        };
      if (!this.opts.databaseUrl)
        return {
          area: 'store',
          where: "PGlite in the workloads' volume",
          outcome: 'with-workloads',
        };
      const schema = localTenantStoreSchema(slug);
      return {
        area: 'store',
        where: `schema ${schema} of the platform PostgreSQL`,
        outcome: 'removed',
        counts: await this.dropSchemaData(slug, schema),
        note: "where npm start's local data plane keeps it; a PGlite store in the workloads' volume goes with them",
      };
    }
    let config: ReturnType<typeof storeAdapterFromTenant>;
    try {
      config = storeAdapterFromTenant(tenant);
    } catch {
      return { area: 'store', where: 'no database binding', outcome: 'none' };
    }
    switch (config.kind) {
      case 'cosmos':
        return { area: 'store', where: `Cosmos DB database ${config.database}`, outcome: 'with-stack' };
      case 'dynamodb':
        return dedicated
          ? { area: 'store', where: `DynamoDB table ${config.table}`, outcome: 'with-stack' }
          : this.purgeSharedStore(
              config,
              slug,
              `items ${config.keyPrefix}* of the platform's DynamoDB table ${config.table}`,
            );
      case 'firestore':
        return dedicated
          ? { area: 'store', where: `Firestore database ${config.databaseId}`, outcome: 'with-stack' }
          : this.purgeSharedStore(
              config,
              slug,
              `collections ${config.collectionPrefix}* of the platform's Firestore database ${config.databaseId}`,
            );
      default:
        return { area: 'store', where: config.kind, outcome: 'not-purged' };
    }
  }

  /** A shared-isolation tenant's records on the platform's table/database: dropTenantData (its prefix only). */
  private async purgeSharedStore(
    config: StoreAdapterConfig,
    slug: string,
    where: string,
  ): Promise<PurgedArea> {
    if (!this.opts.sharedData) return { area: 'store', where, outcome: 'not-purged', note: NO_SHARED_RIGHTS };
    const store = await (this.opts.openStore ?? ((c, tenant) => openTenantStore(c, { tenant })))(
      config,
      slug,
    );
    try {
      await store.dropTenantData();
    } finally {
      await store.close();
    }
    return { area: 'store', where, outcome: 'removed', note: 'every record under the prefix (not counted)' };
  }

  /** The tenant's knowledge: local and dedicated go with the workloads / the stack; shared: every source. */
  private async purgeKnowledge(tenant: Tenant): Promise<PurgedArea> {
    const search = searchAdapterFromTenant(tenant);
    const area = knowledgeArea(tenant, search);
    // Only a shared index on the platform's service is the provisioner's to purge.
    if (area.outcome !== 'not-purged') return area;
    if (!this.opts.sharedData) return { ...area, note: NO_SHARED_RIGHTS };
    const knowledge = await import('@cw/knowledge');
    const index = await (
      this.opts.openIndex ??
      // Deleting embeds nothing: the embedder only names the index's dimensions, which are not checked here.
      ((c) => knowledge.openKnowledgeIndex(c, new knowledge.LocalLexicalEmbedder({ dimensions: 64 })))
    )(search);
    try {
      const purged = await knowledge.purgeTenantKnowledge(index, tenant.metadata.name);
      return {
        area: 'knowledge',
        where: area.where,
        outcome: 'removed',
        counts: { sources: purged.sources, chunks: purged.chunks },
        note: 'the empty index itself stays (the tenant role could not delete it)',
      };
    } finally {
      await index.close();
    }
  }

  private async purgeVault(tenant: Tenant, store: PurgedArea): Promise<PurgedArea[]> {
    const slug = tenant.metadata.name;
    const config = vaultAdapterFromBinding(
      {
        slug,
        region: tenant.spec.cloud.region,
        ...(tenant.spec.bindings.vault && { binding: tenant.spec.bindings.vault }),
      },
      { masterKeyFile: 'unused' },
    );
    if (config.kind === 'local') {
      const purged = await this.opts.vault.purgeLocal(slug);
      return [
        {
          area: 'vault',
          where: `local vault, ${purged.where}`,
          outcome: 'removed',
          counts: { credentials: purged.credentials, 'tenant secrets': purged.tenantSecrets.length },
          names: purged.tenantSecrets,
        },
        {
          area: 'vault',
          where: `people's credentials in the tenant store (${CREDENTIALS_COLLECTION})`,
          outcome: store.outcome,
          ...(store.outcome === 'removed' && {
            counts: { credentials: store.counts?.[CREDENTIALS_COLLECTION] ?? 0 },
          }),
        },
      ];
    }
    switch (config.kind) {
      case 'azure-key-vault':
        return [
          {
            area: 'vault',
            where: `the tenant's Key Vault ${config.vaultUrl}`,
            outcome: 'with-stack',
            note: 'soft-deleted with purge protection: recoverable by vault administrators for the retention period',
          },
        ];
      case 'aws-secrets-manager':
      case 'gcp-secret-manager':
      case 'hashicorp-vault': {
        const where = `${config.kind} names under ${config.prefix}`;
        // The secrets the stack created go with its destroy; people's cred-* are not stack resources.
        const removed = await this.opts.vault.purgeCloudCredentials?.(tenant);
        return [
          removed === undefined
            ? {
                area: 'vault',
                where,
                outcome: 'not-purged',
                note: "credentials people saved (cred-*) are not stack resources and stay without DATA_PLANE_SECRETS=all (the provisioner may then write and delete in the tenant vault): delete them under that prefix with the cloud's tooling; the stack's own secrets go with its destroy",
              }
            : {
                area: 'vault',
                where,
                outcome: 'removed',
                counts: { credentials: removed },
                note: "people's credentials (cred-*); the stack's own secrets go with its destroy",
              },
        ];
      }
      default:
        return [{ area: 'vault', where: (config as { kind: string }).kind, outcome: 'not-purged' }];
    }
  }

  /** Counts the tenant's rows per collection, drops them (and the schema once empty), checks none came back. */
  private async dropSchemaData(slug: string, schema: string): Promise<Record<string, number>> {
    const sql = await this.sql();
    const counts = await rowsByCollection(sql, schema, slug);
    await new PostgresTenantStore({ tenant: slug, client: sql, schema }).dropTenantData();
    const left = Object.values(await rowsByCollection(sql, schema, slug)).reduce((a, b) => a + b, 0);
    // A workload still running wrote between the delete and the check: fail, and the retry purges again.
    if (left > 0)
      throw new Error(
        `${left} records of "${slug}" were written to schema ${schema} during the purge (are its workloads still running?)`,
      );
    return counts;
  }

  private async sql(): Promise<SqlClient> {
    const opening = (this.client ??= pgPoolClient(this.opts.databaseUrl!));
    opening.catch(() => {
      if (this.client === opening) this.client = undefined;
    });
    return opening;
  }
}

async function rowsByCollection(
  sql: SqlClient,
  schema: string,
  tenant: string,
): Promise<Record<string, number>> {
  const table = await sql.query(
    `SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'items'`,
    [schema],
  );
  if (table.rows.length === 0) return {};
  const { rows } = await sql.query<{ collection: string; n: number }>(
    `SELECT collection, count(*)::int AS n FROM "${schema}".items WHERE tenant = $1 GROUP BY collection ORDER BY collection`,
    [tenant],
  );
  return Object.fromEntries(rows.map((r) => [r.collection, r.n]));
}

function knowledgeArea(tenant: Tenant, search: SearchAdapterConfig): PurgedArea {
  const dedicated = tenant.spec.isolation === 'dedicated';
  switch (search.kind) {
    case 'pgvector':
      return search.connection.driver === 'pglite'
        ? {
            area: 'knowledge',
            where: "pgvector on PGlite in cerebro's data volume",
            outcome: 'with-workloads',
            note: "npm start: the local data plane removes the tenant's folder once its render is gone",
          }
        : {
            area: 'knowledge',
            where: 'no search binding',
            outcome: 'none',
            note: 'cerebro is rendered without a knowledge index on this cloud',
          };
    case 'azure-ai-search':
    case 'opensearch':
      return dedicated
        ? {
            area: 'knowledge',
            where: `the tenant's own search service (${search.kind})`,
            outcome: 'with-stack',
          }
        : {
            area: 'knowledge',
            where: `index ${search.indexName} on the platform's ${search.kind} service`,
            outcome: 'not-purged',
          };
  }
}
