import { describe, expect, it } from 'vitest';
import { ConfigError, parseOperatorConfig } from './config.js';

describe('parseOperatorConfig', () => {
  it('applies defaults', () => {
    const c = parseOperatorConfig({ POD_NAME: 'op-1' });
    expect(c).toMatchObject({
      namespace: 'cw-system',
      concurrency: 8,
      resyncMs: 300_000,
      leaderElection: {
        enabled: true,
        leaseName: 'tenant-operator',
        leaseDurationSeconds: 15,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
      },
      metrics: { port: 8080 },
      render: {},
    });
    expect(c.identity).toMatch(/^op-1_\d+$/);
  });

  it('reads render settings from the same variables as cw render', () => {
    expect(
      parseOperatorConfig({ GATEWAY_NAMESPACE: 'edge', ROUTING_DEFAULT_MODE: 'ingress' }).render,
    ).toEqual({ gatewayNamespace: 'edge', defaultRoutingMode: 'ingress' });
  });

  it('stops with the name of a bad variable', () => {
    expect(() => parseOperatorConfig({ RECONCILE_CONCURRENCY: 'many' })).toThrow(ConfigError);
    expect(() => parseOperatorConfig({ RECONCILE_CONCURRENCY: 'many' })).toThrow(/^RECONCILE_CONCURRENCY: /);
    expect(() => parseOperatorConfig({ ROUTING_DEFAULT_MODE: 'mesh' })).toThrow(/^ROUTING_DEFAULT_MODE: /);
  });

  it('names every bad variable at once', () => {
    const bad = { RECONCILE_CONCURRENCY: 'many', METRICS_PORT: 'http', ROUTING_DEFAULT_MODE: 'mesh' };
    expect(() => parseOperatorConfig(bad)).toThrow(
      /^METRICS_PORT: .*\nRECONCILE_CONCURRENCY: .*\nROUTING_DEFAULT_MODE: /s,
    );
  });
});
