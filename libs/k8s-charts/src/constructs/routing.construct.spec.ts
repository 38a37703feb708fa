import { describe, expect, it } from 'vitest';
import { any, synth } from '../fixtures.spec-helper.js';
import { Routing, type RoutingProps } from './routing.construct.js';

const props: RoutingProps = {
  slug: 'acme',
  namespace: 'tenant-acme',
  hostname: 'acme.contextweaver.app',
  mode: 'gateway',
  service: 'cerebro',
  port: 5080,
  gateway: { namespace: 'istio-ingress', name: 'cw-gateway' },
  ingressClassName: 'istio',
};

describe('Routing', () => {
  it('renders its defaults (snapshot)', () => {
    expect(synth((c) => new Routing(c, 'r', props))).toMatchSnapshot();
  });

  it('attaches an HTTPRoute for the hostname to the platform gateway', () => {
    const objects = synth((c) => new Routing(c, 'r', props));
    expect(objects.map((o) => o.kind)).toEqual(['HTTPRoute']);
    const spec = any(objects[0]).spec;
    expect(spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'istio-ingress', name: 'cw-gateway' },
    ]);
    expect(spec.hostnames).toEqual(['acme.contextweaver.app']);
    expect(spec.rules[0].backendRefs).toEqual([{ kind: 'Service', name: 'cerebro', port: 5080, weight: 1 }]);
  });

  it('or an Ingress of the platform class when routing by Ingress', () => {
    const objects = synth((c) => new Routing(c, 'r', { ...props, mode: 'ingress' }));
    expect(objects.map((o) => o.kind)).toEqual(['Ingress']);
    const spec = any(objects[0]).spec;
    expect(spec.ingressClassName).toBe('istio');
    expect(spec.rules).toEqual([
      {
        host: 'acme.contextweaver.app',
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: 'cerebro', port: { number: 5080 } } },
            },
          ],
        },
      },
    ]);
  });
});
