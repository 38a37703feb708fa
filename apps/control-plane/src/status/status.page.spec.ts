import { describe, expect, it } from 'vitest';
import type { TenantStatusView } from '@cw/control-plane';
import { liveFragment, statusPage } from './status.page.js';

const view = (over: {
  state: TenantStatusView['tenant']['state'];
  run: TenantStatusView['run'];
  url?: string | null;
}): TenantStatusView => ({
  tenant: {
    id: 't1',
    slug: 'acme',
    displayName: 'Acme',
    state: over.state,
    plan: 'team',
    seats: 10,
    cloud: 'local',
    region: 'local',
    isolation: 'shared',
    hostname: 'acme.example.com',
    url: over.url ?? null,
    identity: null,
    canConnectIdentity: false,
  },
  billing: {
    mode: 'stripe',
    enabled: true,
    needsCheckout: false,
    canOpenPortal: true,
    pastDue: false,
    graceUntil: null,
    offboardAt: '2026-12-07T06:00:00.000Z',
    trialDays: null,
  },
  run: over.run,
  message: { tone: 'info', title: 't', body: 'b' },
  onboarding: [],
  reference: 'ref',
  live: false,
});

const run = (goal: NonNullable<TenantStatusView['run']>['goal'], status: 'running' | 'succeeded') => ({
  id: 'r1',
  goal,
  status,
  error: null,
  steps: [],
});

describe('status page', () => {
  it('a removed workspace: "Workspace removed", no address to wait for, no plugins link', () => {
    const page = statusPage(view({ state: 'deleted', run: run('offboard', 'succeeded') }), 'csrf');
    expect(page).toContain('Workspace removed');
    expect(page).not.toContain('Change in progress');
    expect(page).toContain('(removed)');
    expect(page).not.toContain('removal after');
    expect(page).not.toContain('available when ready');
    expect(page).not.toContain('/status/plugins');
    // Past invoices stay reachable after cancellation.
    expect(page).toContain('Manage billing');
  });

  it('while offboarding: "Removing your workspace", the address is being removed', () => {
    const fragment = liveFragment(view({ state: 'offboarding', run: run('offboard', 'running') }), 'c').value;
    expect(fragment).toContain('Removing your workspace');
    expect(fragment).toContain('(being removed)');
  });

  it('an active workspace keeps its link, plugins and a finished change reads "Last change"', () => {
    const page = statusPage(
      view({ state: 'active', run: run('update', 'succeeded'), url: 'https://acme.example.com' }),
      'csrf',
    );
    expect(page).toContain('Last change');
    expect(page).toContain('href="https://acme.example.com"');
    expect(page).toContain('/status/plugins');
    expect(liveFragment(view({ state: 'active', run: run('update', 'running') }), 'c').value).toContain(
      'Change in progress',
    );
  });
});
