import { describe, expect, it } from 'vitest';
import { any, synth } from '../fixtures.spec-helper.js';
import { WorkloadIdentity } from './workload-identity.construct.js';

const identity = {
  clientId: '5a1c9e2b-3d4f-4e6a-8b7c-9d0e1f2a3b4c',
  roleArn: 'arn:aws:iam::123456789012:role/cw-tenant-acme',
  serviceAccountEmail: 'cw-t-acme@cw-prod.iam.gserviceaccount.com',
};

describe('WorkloadIdentity', () => {
  it('renders its defaults (snapshot)', () => {
    expect(
      synth(
        (c) =>
          new WorkloadIdentity(c, 'id', { slug: 'acme', namespace: 'tenant-acme', cloud: 'azure', identity }),
      ),
    ).toMatchSnapshot();
  });

  it.each([
    ['azure', 'azure.workload.identity/client-id', identity.clientId],
    ['aws', 'eks.amazonaws.com/role-arn', identity.roleArn],
    ['gcp', 'iam.gke.io/gcp-service-account', identity.serviceAccountEmail],
  ] as const)('annotates cerebro and mcp-engine for %s', (cloud, annotation, value) => {
    const objects = synth(
      (c) => new WorkloadIdentity(c, 'id', { slug: 'acme', namespace: 'tenant-acme', cloud, identity }),
    );
    expect(objects.map((o) => o.metadata.name)).toEqual(['cerebro', 'mcp-engine']);
    for (const sa of objects) {
      expect(sa.kind).toBe('ServiceAccount');
      expect(sa.metadata.namespace).toBe('tenant-acme');
      expect(sa.metadata.annotations).toEqual({ [annotation]: value });
      expect(any(sa).automountServiceAccountToken).toBe(false);
    }
  });

  it('asks Azure pods to be mutated by the workload identity webhook', () => {
    let labels: Record<string, string> = {};
    synth(
      (c) =>
        (labels = new WorkloadIdentity(c, 'id', {
          slug: 'a',
          namespace: 'tenant-a',
          cloud: 'azure',
          identity,
        }).podLabels),
    );
    expect(labels).toEqual({ 'azure.workload.identity/use': 'true' });
  });

  it('adds no annotation and no pod label on a local cluster or before the identity is bound', () => {
    for (const props of [
      { cloud: 'local' as const, identity },
      { cloud: 'aws' as const, identity: undefined },
    ]) {
      let labels: Record<string, string> = {};
      const objects = synth(
        (c) =>
          (labels = new WorkloadIdentity(c, 'id', { slug: 'a', namespace: 'tenant-a', ...props }).podLabels),
      );
      expect(objects.every((o) => o.metadata.annotations === undefined)).toBe(true);
      expect(labels).toEqual({});
    }
  });
});
