import { describe, expect, it } from 'vitest';
import { effectiveQuota } from '@cw/tenant-model';
import { any, find, synth, tenant } from '../fixtures.spec-helper.js';
import { Quotas } from './quotas.construct.js';

const render = (quota: Parameters<typeof effectiveQuota>[0]) =>
  synth((c) => new Quotas(c, 'q', { slug: 'acme', namespace: 'tenant-acme', quota: effectiveQuota(quota) }));

describe('Quotas', () => {
  it('renders its defaults (snapshot)', () => {
    expect(render(tenant('acme').spec)).toMatchSnapshot();
  });

  it("limits the namespace to the plan's CPU, memory and pods", () => {
    const rq = any(find(render(tenant('acme', { plan: 'team', seats: 10 }).spec), 'ResourceQuota'));
    expect(rq.spec.hard).toEqual({
      'requests.cpu': '16',
      'limits.cpu': '16',
      'requests.memory': '32Gi',
      'limits.memory': '32Gi',
      pods: '60',
    });
  });

  it('applies the tenant overrides of the plan quota', () => {
    const rq = any(find(render(tenant('acme', { quota: { cpu: '6', pods: 30 } }).spec), 'ResourceQuota'));
    expect(rq.spec.hard).toMatchObject({ 'limits.cpu': '6', 'limits.memory': '8Gi', pods: '30' });
  });

  it('gives containers default requests and limits, capped at the quota', () => {
    const lr = any(find(render(tenant('acme').spec), 'LimitRange')).spec.limits[0];
    expect(lr).toEqual({
      type: 'Container',
      default: { cpu: '500m', memory: '512Mi' },
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      max: { cpu: '4', memory: '8Gi' },
    });
    const tiny = any(
      find(render(tenant('acme', { quota: { cpu: '250m', memory: '100Mi' } }).spec), 'LimitRange'),
    ).spec.limits[0];
    expect(tiny.default).toEqual({ cpu: '250m', memory: '100Mi' });
    expect(tiny.defaultRequest).toEqual({ cpu: '100m', memory: '100Mi' });
  });
});
