import { describe, expect, it } from 'vitest';
import { LONG_SLUG, listOf, makeTenant, only, refOf, typesOf } from '../../test/fixtures.js';
import { CloudStackError } from '../core/errors.js';
import { defaultPlatformConfig } from '../core/platform-defaults.js';
import { TENANT_SERVICE_ACCOUNTS } from '../core/tenant-context.js';
import { synthesizeTenantStack } from '../tenant-stack.js';

const platform = defaultPlatformConfig('gcp');
const PROJECT = platform.gcp.projectId;

const synth = (isolation: 'shared' | 'dedicated', slug = 'acme', secretKey?: string) =>
  synthesizeTenantStack(
    makeTenant({ cloud: 'gcp', slug, isolation, ...(secretKey && { secretKey }) }),
    platform,
  );

describe('GCP tenant stack', () => {
  const shared = synth('shared', 'acme', 'oidc-client-secret').json;
  const dedicated = synth('dedicated').json;

  it('lets only the tenant namespace Kubernetes ServiceAccounts impersonate the service account', () => {
    for (const json of [shared, dedicated]) {
      const bindings = listOf(json, 'google_service_account_iam_member');
      expect(bindings.map((b) => b.member).sort()).toEqual(
        TENANT_SERVICE_ACCOUNTS.map(
          (sa) => `serviceAccount:${PROJECT}.svc.id.goog[tenant-acme/${sa}]`,
        ).sort(),
      );
      for (const binding of bindings) {
        expect(binding.role).toBe('roles/iam.workloadIdentityUser');
        expect(binding.service_account_id).toBe(refOf(json, 'google_service_account', 'name'));
      }
      expect(only(json, 'google_service_account').account_id).toBe('cw-t-acme');
    }
  });

  it('conditions every project grant on the tenant resources, and grants nothing authoritative or administrative', () => {
    const member = `serviceAccount:${refOf(shared, 'google_service_account', 'email')}`;
    const grants = (json: typeof shared) =>
      listOf(json, 'google_project_iam_member').map((g) => [
        g.role,
        (g.condition as { expression: string }).expression,
        g.member,
      ]);
    expect(grants(shared)).toEqual([
      [
        'roles/secretmanager.secretAccessor',
        `resource.name.startsWith("projects/${platform.gcp.projectNumber}/secrets/acme_")`,
        member,
      ],
      [
        'roles/datastore.user',
        `resource.name == "projects/${PROJECT}/databases/${platform.gcp.sharedDatabase}"`,
        member,
      ],
    ]);
    expect(grants(dedicated)[1]?.[1]).toBe(`resource.name == "projects/${PROJECT}/databases/cw-acme"`);
    for (const json of [shared, dedicated]) {
      expect(typesOf(json).filter((t) => /iam_(binding|policy)$/.test(t))).toEqual([]);
      for (const grant of listOf(json, 'google_project_iam_member'))
        expect(grant.role).not.toMatch(/owner|editor|admin/i);
    }
  });

  it('creates the referenced secrets empty, labelled, replicated in the tenant region only', () => {
    expect(only(shared, 'google_secret_manager_secret')).toMatchObject({
      secret_id: 'acme_oidc-client-secret',
      labels: { tenant: 'acme', plan: 'team', 'managed-by': 'contextweaver' },
      replication: { user_managed: { replicas: [{ location: 'europe-west1' }] } },
    });
    expect(typesOf(shared)).not.toContain('google_secret_manager_secret_version');
    expect(() => synth('shared', 'acme', 'client.secret')).toThrow(CloudStackError);
    expect(() => synth('shared', 'acme', 'client.secret')).toThrow(/letters, digits, "-" and "_"/);
  });

  it('shared uses tenant-prefixed collections of the shared database; dedicated gets its own database', () => {
    expect(typesOf(shared)).not.toContain('google_firestore_database');
    expect(synth('shared').expectedBindings.database).toEqual({
      endpoint: `projects/${PROJECT}/databases/cw-shared`,
      name: 'acme_',
    });
    expect(only(dedicated, 'google_firestore_database')).toMatchObject({
      name: 'cw-acme',
      location_id: 'europe-west1',
      type: 'FIRESTORE_NATIVE',
      delete_protection_state: 'DELETE_PROTECTION_ENABLED',
      point_in_time_recovery_enablement: 'POINT_IN_TIME_RECOVERY_ENABLED',
    });
  });

  it('knows every binding before apply', () => {
    const result = synth('dedicated');
    expect(result.pendingBindings).toEqual([]);
    expect(result.expectedBindings).toEqual({
      vault: { uri: `projects/${PROJECT}/secrets/acme_`, kind: 'gcp-secret-manager' },
      database: { endpoint: `projects/${PROJECT}/databases/cw-acme`, name: 'cw-acme' },
      identity: { serviceAccountEmail: `cw-t-acme@${PROJECT}.iam.gserviceaccount.com` },
    });
  });

  it('derives valid names from a 40-character slug', () => {
    const json = synth('dedicated', LONG_SLUG).json;
    expect(String(only(json, 'google_service_account').account_id)).toMatch(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/);
    expect(String(only(json, 'google_firestore_database').name)).toMatch(/^[a-z][-a-z0-9]{2,61}[a-z0-9]$/);
    expect(listOf(json, 'google_service_account_iam_member').map((b) => b.member)).toContain(
      `serviceAccount:${PROJECT}.svc.id.goog[tenant-${LONG_SLUG}/cerebro]`,
    );
  });
});
