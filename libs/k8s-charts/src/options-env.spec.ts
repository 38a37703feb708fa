import { describe, expect, it } from 'vitest';
import { renderOptionsFromEnv, RenderOptionsError } from './options-env.js';

describe('renderOptionsFromEnv', () => {
  it('maps the variables it knows and ignores the rest', () => {
    expect(
      renderOptionsFromEnv({
        GATEWAY_NAMESPACE: 'edge',
        ROUTING_DEFAULT_MODE: 'ingress',
        DEDICATED_NODE_POOLS: 'false',
        EXTERNAL_SECRET_STORE: 'vault',
        HOME: '/root',
      }),
    ).toEqual({
      gatewayNamespace: 'edge',
      defaultRoutingMode: 'ingress',
      dedicatedNodePools: false,
      externalSecretStore: { name: 'vault', kind: 'ClusterSecretStore' },
    });
    expect(renderOptionsFromEnv({})).toEqual({});
  });

  it('names the variable of a bad value', () => {
    expect(() => renderOptionsFromEnv({ ROUTING_DEFAULT_MODE: 'mesh' })).toThrow(RenderOptionsError);
    expect(() => renderOptionsFromEnv({ GATEWAY_NAMESPACE: 'Edge_1' })).toThrow(
      /^GATEWAY_NAMESPACE: must be a Kubernetes name/,
    );
  });
});
