import { MemoryTenantStore } from '../src/index.js';
import { describeStoreContract } from './contract.js';

describeStoreContract('memory', { open: (tenant, clock) => new MemoryTenantStore(tenant, { clock }) });
