import { describe, expect, it } from 'vitest';
import { any, synth } from '../fixtures.spec-helper.js';
import { TenantNamespace } from './tenant-namespace.construct.js';

describe('TenantNamespace', () => {
  it('renders its defaults (snapshot)', () => {
    expect(synth((c) => new TenantNamespace(c, 'ns', { slug: 'acme', plan: 'starter' }))).toMatchSnapshot();
  });

  it('names the namespace after the slug and labels tenant, plan, Pod Security restricted and Istio injection', () => {
    const [ns] = synth((c) => new TenantNamespace(c, 'ns', { slug: 'acme', plan: 'team' }));
    expect(ns!.metadata.name).toBe('tenant-acme');
    expect(ns!.metadata.labels).toMatchObject({
      'platform.contextweaver.io/tenant': 'acme',
      'platform.contextweaver.io/plan': 'team',
      'app.kubernetes.io/managed-by': 'tenant-operator',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'istio-injection': 'enabled',
    });
    expect(any(ns).metadata.namespace).toBeUndefined();
  });

  it('can leave Istio injection off and choose another level', () => {
    const [ns] = synth(
      (c) =>
        new TenantNamespace(c, 'ns', {
          slug: 'acme',
          plan: 'starter',
          istioInjection: false,
          podSecurity: 'baseline',
        }),
    );
    expect(ns!.metadata.labels!['istio-injection']).toBeUndefined();
    expect(ns!.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('baseline');
  });
});
