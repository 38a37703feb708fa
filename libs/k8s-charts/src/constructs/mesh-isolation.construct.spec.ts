import { describe, expect, it } from 'vitest';
import { any, find, synth } from '../fixtures.spec-helper.js';
import { MeshIsolation } from './mesh-isolation.construct.js';

describe('MeshIsolation', () => {
  const objects = synth(
    (c) =>
      new MeshIsolation(c, 'mesh', {
        slug: 'acme',
        namespace: 'tenant-acme',
        gatewayNamespace: 'istio-ingress',
        gatewayServiceAccount: 'cw-gateway-istio',
        ingressPort: 5080,
      }),
  );

  it('renders its defaults (snapshot)', () => {
    expect(objects).toMatchSnapshot();
  });

  it('requires mutual TLS for every workload of the namespace', () => {
    const pa = find(objects, 'PeerAuthentication');
    expect(pa.metadata).toMatchObject({ name: 'default', namespace: 'tenant-acme' });
    expect(any(pa).spec).toEqual({ mtls: { mode: 'STRICT' } });
  });

  it("admits only the tenant's own principals and the gateway's (to cerebro's port)", () => {
    const ap = any(find(objects, 'AuthorizationPolicy'));
    expect(ap.spec.action).toBe('ALLOW');
    expect(ap.spec.selector).toBeUndefined();
    expect(ap.spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/tenant-acme/sa/*'] } }] },
      {
        from: [{ source: { principals: ['cluster.local/ns/istio-ingress/sa/cw-gateway-istio'] } }],
        to: [{ operation: { ports: ['5080'] } }],
      },
    ]);
  });
});
