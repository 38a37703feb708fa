/** The six onboarding steps: each state is what the control plane can know, never more. */
import { describe, expect, it } from 'vitest';
import { validateTenantSpec, workspaceUrlFrom, type TenantSpec, type TenantState } from '@cw/tenant-model';
import type { TenantRecord } from '@cw/db';
import { onboardingSteps, type OnboardingFacts } from '../src/index.js';

function tenant(state: TenantState, spec: Partial<TenantSpec> = {}): TenantRecord {
  const checked = validateTenantSpec({
    displayName: 'Acme',
    plan: 'team',
    seats: 5,
    cloud: { provider: 'local', region: 'local' },
    hostname: 'acme.localtest.me',
    ...spec,
  });
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  const at = new Date(0);
  return {
    id: '00000000-0000-4000-8000-000000000001',
    slug: 'acme',
    displayName: 'Acme',
    state,
    spec: checked.value,
    specVersion: 1,
    adminEmail: 'a@example.com',
    adminEmailHash: 'h',
    correlationId: 'c',
    billingMode: 'stripe',
    stripeCustomerId: null,
    stripeSubscriptionId: null,
    stripeCheckoutSessionId: null,
    subscriptionEventAt: null,
    paymentEventAt: null,
    pastDueSince: null,
    graceUntil: null,
    suspensionReason: null,
    offboardAt: null,
    slugReleasedAt: null,
    createdAt: at,
    updatedAt: at,
  };
}

const states = (facts: Partial<OnboardingFacts> & { tenant: TenantRecord }) =>
  onboardingSteps({ billingEnabled: true, deployed: false, workspaceAnswers: null, ...facts }).map(
    (s) => `${s.n}:${s.state}`,
  );
const withPlugins = { engines: [{ name: 'main', plugins: ['github', 'travel'] }] } as Partial<TenantSpec>;

describe('onboarding steps', () => {
  it('starts with the e-mail, then payment, each "needs you"; trial without billing only waits', () => {
    expect(states({ tenant: tenant('pending_verification') })).toEqual([
      '1:needs-you',
      '2:waiting',
      '3:needs-you',
      '4:needs-you',
      '5:waiting',
      '6:waiting',
    ]);
    expect(states({ tenant: tenant('pending_payment') })[0]).toBe('1:needs-you');
    expect(states({ tenant: tenant('pending_payment'), billingEnabled: false })[0]).toBe('1:waiting');
  });

  it('provisioning waits; a failed run needs the customer to contact support', () => {
    expect(states({ tenant: tenant('provisioning') }).slice(0, 2)).toEqual(['1:done', '2:waiting']);
    expect(states({ tenant: tenant('failed') })[1]).toBe('2:needs-you');
  });

  it('never claims credentials are set, and links the workspace only once it answers', () => {
    const active = tenant('active', withPlugins);
    const silent = onboardingSteps({
      tenant: active,
      billingEnabled: true,
      deployed: true,
      workspaceAnswers: false,
    });
    expect(silent.map((s) => `${s.n}:${s.state}`)).toEqual([
      '1:done',
      '2:done',
      '3:needs-you',
      '4:done',
      '5:waiting',
      '6:waiting',
    ]);
    expect(silent[5]!.link).toBeNull();
    const answering = onboardingSteps({
      tenant: active,
      billingEnabled: true,
      deployed: true,
      workspaceAnswers: true,
    });
    expect(answering[4]).toMatchObject({
      state: 'needs-you',
      link: { href: 'https://acme.localtest.me/credentials', text: 'My Credentials' },
    });
    expect(answering[5]).toMatchObject({ state: 'needs-you', link: { href: 'https://acme.localtest.me' } });
    expect(answering.some((s) => s.key === 'credentials' && s.state === 'done')).toBe(false);
    expect(answering[3]!.detail).toBe('2 plugins on 1 engine.');
    // The engine switches a customer set on the plugins page are named there.
    const switched = onboardingSteps({
      tenant: tenant('active', {
        engines: [
          { ...withPlugins.engines![0]!, readOnly: true },
          {
            name: 'ops',
            plugins: ['github'],
            readOnly: false,
            maintenance: true,
            auditLog: true,
            replicas: 1,
          },
        ],
      }),
      billingEnabled: true,
      deployed: true,
      workspaceAnswers: true,
    });
    expect(switched[3]!.detail).toBe(
      `3 plugins on 2 engines. Read-only: ${withPlugins.engines![0]!.name}. In maintenance: ops.`,
    );
  });

  it("links the deployment's own workspace URL (npm start: http://<slug>.localtest.me:3080)", () => {
    const answering = onboardingSteps({
      tenant: tenant('active', withPlugins),
      billingEnabled: true,
      deployed: true,
      workspaceAnswers: true,
      workspaceUrl: workspaceUrlFrom('http://{slug}.localtest.me:3080')({
        slug: 'acme',
        spec: tenant('active').spec,
      }),
    });
    expect(answering[4]!.link?.href).toBe('http://acme.localtest.me:3080/credentials');
    expect(answering[5]!.link?.href).toBe('http://acme.localtest.me:3080');
  });

  it('marks the identity provider done once connected, and shows nothing for a removed tenant', () => {
    const idp = tenant('active', {
      identity: {
        issuer: 'https://login.acme.example',
        clientId: 'cw',
        clientSecretRef: { key: 'idp' },
      },
    } as Partial<TenantSpec>);
    expect(states({ tenant: idp, deployed: true })[2]).toBe('3:done');
    expect(
      onboardingSteps({
        tenant: tenant('offboarding'),
        billingEnabled: true,
        deployed: false,
        workspaceAnswers: null,
      }),
    ).toEqual([]);
  });
});
