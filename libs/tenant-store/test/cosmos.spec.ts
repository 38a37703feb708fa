// The contract on @vercel/cosmosdb-server (HTTPS, self-signed) started in this process on 127.0.0.1.
// The key credential and the disabled certificate check exist only here; production uses workload identity.
import { Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CosmosClient } from '@azure/cosmos';
import { createHttpsServer } from '@vercel/cosmosdb-server';
import { CosmosTenantStore } from '../src/cosmos/cosmos.store.js';
import { describeStoreContract } from './contract.js';

const server = createHttpsServer();
let client: CosmosClient | undefined;

async function start(): Promise<CosmosClient> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new CosmosClient({
    endpoint: `https://127.0.0.1:${port}`,
    key: 'test-only-key',
    agent: new Agent({ rejectUnauthorized: false }),
    connectionPolicy: { enableEndpointDiscovery: false },
  });
}

describeStoreContract('cosmos (cosmosdb-server)', {
  open: async (tenant, clock) => {
    client ??= await start();
    return new CosmosTenantStore({ tenant, client, database: 'tenant-test', createIfMissing: true, clock });
  },
  cleanup: async () => {
    client?.dispose();
    await new Promise((resolve) => server.close(resolve));
  },
});
