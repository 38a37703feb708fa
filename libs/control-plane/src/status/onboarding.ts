/**
 * The seeds' six onboarding steps as the status page walks them: 1 sign up → 2 provision →
 * 3 connect the IdP → 4 choose plugins → 5 set credentials → 6 the team signs in and uses AI.
 * Each state is what the control plane actually knows: `done` only for what it has seen happen;
 * credentials live in the workspace's vault, out of its sight, so step 5 never claims `done`,
 * and step 6 links to the workspace only once cerebro answers its health probe.
 */
import { isGone, tenantUrl } from '@cw/tenant-model';
import type { TenantRecord } from '@cw/db';

export type OnboardingState = 'done' | 'needs-you' | 'waiting';

export interface OnboardingStep {
  n: 1 | 2 | 3 | 4 | 5 | 6;
  key: 'sign-up' | 'provision' | 'identity' | 'plugins' | 'credentials' | 'team';
  title: string;
  state: OnboardingState;
  detail: string;
  link: { href: string; text: string } | null;
}

export interface OnboardingFacts {
  tenant: TenantRecord;
  billingEnabled: boolean;
  /** Deployed to a cluster (not render-only, not waiting for cloud resources). */
  deployed: boolean;
  /** Whether cerebro answered its health probe; `null` when not asked (not deployed, not active). */
  workspaceAnswers: boolean | null;
  /** Where the workspace is opened; default https://<spec.hostname>. */
  workspaceUrl?: string;
}

/** The six steps, or none for a tenant that is being removed or is removed. */
export function onboardingSteps(facts: OnboardingFacts): OnboardingStep[] {
  const { tenant, billingEnabled, deployed, workspaceAnswers } = facts;
  if (isGone(tenant.state)) return [];
  const url = facts.workspaceUrl ?? tenantUrl(tenant.spec);
  const step = (
    n: OnboardingStep['n'],
    key: OnboardingStep['key'],
    title: string,
    state: OnboardingState,
    detail: string,
    link: OnboardingStep['link'] = null,
  ): OnboardingStep => ({ n, key, title, state, detail, link });
  const signedUp = tenant.state !== 'pending_verification' && tenant.state !== 'pending_payment';
  const plugins = tenant.spec.engines.reduce((sum, e) => sum + e.plugins.length, 0);
  const answers = workspaceAnswers === true;

  return [
    tenant.state === 'pending_verification'
      ? step(1, 'sign-up', 'Sign up', 'needs-you', 'Confirm your e-mail: open the link we sent you.')
      : tenant.state === 'pending_payment'
        ? billingEnabled
          ? step(1, 'sign-up', 'Sign up', 'needs-you', 'Complete the checkout to start provisioning.')
          : step(1, 'sign-up', 'Sign up', 'waiting', 'Your trial starts shortly.')
        : step(1, 'sign-up', 'Sign up', 'done', 'E-mail confirmed and plan chosen.'),
    !signedUp
      ? step(2, 'provision', 'Provision your workspace', 'waiting', 'Starts after step 1.')
      : tenant.state === 'provisioning'
        ? step(
            2,
            'provision',
            'Provision your workspace',
            'waiting',
            'Setting up; the list above shows each stage.',
          )
        : tenant.state === 'failed'
          ? step(
              2,
              'provision',
              'Provision your workspace',
              'needs-you',
              'Provisioning stopped: contact support with the reference below; they retry from the failed stage.',
            )
          : deployed
            ? step(2, 'provision', 'Provision your workspace', 'done', `Deployed at ${url}.`)
            : step(
                2,
                'provision',
                'Provision your workspace',
                'waiting',
                'Rendered; waiting for the platform to deploy it (see the message above).',
              ),
    tenant.spec.identity
      ? step(
          3,
          'identity',
          'Connect your identity provider',
          'done',
          `Signing in through ${tenant.spec.identity.issuer}.`,
          {
            href: `/status/identity?tenant=${tenant.id}`,
            text: 'Change',
          },
        )
      : step(
          3,
          'identity',
          'Connect your identity provider',
          'needs-you',
          'Optional: connect your company sign-in. Until then your team signs in with e-mail links.',
          { href: `/status/identity?tenant=${tenant.id}`, text: 'Connect your identity provider' },
        ),
    plugins > 0
      ? step(
          4,
          'plugins',
          'Choose plugins',
          'done',
          `${plugins} plugin${plugins === 1 ? '' : 's'} on ${tenant.spec.engines.length} engine${tenant.spec.engines.length === 1 ? '' : 's'}.${switchesNote(tenant.spec.engines)}`,
          { href: '/status/plugins', text: 'Change plugins' },
        )
      : step(4, 'plugins', 'Choose plugins', 'needs-you', 'Pick the tools your AI may use, per engine.', {
          href: '/status/plugins',
          text: 'Choose plugins',
        }),
    plugins === 0
      ? step(
          5,
          'credentials',
          'Set credentials',
          'waiting',
          'After step 4: the plugins you choose say which credentials they need.',
        )
      : !answers
        ? step(
            5,
            'credentials',
            'Set credentials',
            'waiting',
            'Once your workspace answers (step 6), set the credentials your plugins need in it.',
          )
        : step(
            5,
            'credentials',
            'Set credentials',
            'needs-you',
            'Set the credentials your plugins need in your workspace. They go to your workspace’s vault, which we cannot see, so this step stays here as a reminder.',
            { href: `${url}/credentials`, text: 'My Credentials' },
          ),
    answers
      ? step(
          6,
          'team',
          'Your team signs in and uses AI',
          'needs-you',
          tenant.state === 'suspended'
            ? 'Your workspace answers but is suspended (see above).'
            : 'Your workspace answers: open it, sign in, and invite your team.',
          { href: url, text: 'Open your workspace' },
        )
      : step(
          6,
          'team',
          'Your team signs in and uses AI',
          'waiting',
          workspaceAnswers === false
            ? 'Your workspace does not answer yet; reload this page to check again.'
            : 'After step 2.',
        ),
  ];
}

/** ` Read-only: main. In maintenance: ops.` — the engine switches that are on, so the page says so. */
function switchesNote(engines: readonly { name: string; readOnly: boolean; maintenance: boolean }[]): string {
  const named = (pick: (e: (typeof engines)[number]) => boolean) =>
    engines
      .filter(pick)
      .map((e) => e.name)
      .join(', ');
  const readOnly = named((e) => e.readOnly);
  const maintenance = named((e) => e.maintenance);
  return `${readOnly ? ` Read-only: ${readOnly}.` : ''}${maintenance ? ` In maintenance: ${maintenance}.` : ''}`;
}
