export * from './port.js';
export * from './errors.js';
export { MemoryTenantStore } from './memory/memory.store.js';
export { openTenantStore } from './open-store.js';
export type { RecordBackend, RawRecord } from './core/record-backend.js';
