// The main entry stays light: a PostgreSQL/PGlite workload (every tenant of npm start, and the
// default bindings) must not load the DynamoDB SDK at start-up; openTenantStore imports the cloud
// adapters when a config chooses them (open-store.spec opens each of them that way).
import { describe, expect, it } from 'vitest';
import { loadedPackages, resolvedModules } from '@cw/testing/processes';

describe('@cw/tenant-store entry', () => {
  it('resolves no cloud SDK', () => {
    const seen = resolvedModules('@cw/tenant-store');
    expect(seen).toContain('@cw/tenant-store');
    expect(
      loadedPackages(seen, [
        '@aws-sdk/lib-dynamodb',
        '@aws-sdk/client-dynamodb',
        '@azure/cosmos',
        '@google-cloud/firestore',
      ]),
    ).toEqual([]);
  }, 120_000);
});
