/**
 * The customer's status page. The part that changes (`#live`) is one server-rendered fragment:
 * the page renders it, and /status/events pushes the same fragment as it changes, so there is
 * one template for both. Status is written in words and symbols, never by colour alone.
 */
import type { OnboardingStep, TenantStatusView } from '@cw/control-plane';
import { html, type Html } from '../views/html.js';
import { page } from '../views/layout.js';
import { resendForm } from '../signup/signup.page.js';

const STATE_LABELS: Record<TenantStatusView['tenant']['state'], string> = {
  pending_verification: 'Waiting for e-mail confirmation',
  pending_payment: 'Waiting for payment',
  provisioning: 'Setting up',
  active: 'Ready',
  suspended: 'Suspended',
  failed: 'Needs attention',
  offboarding: 'Being removed',
  deleted: 'Removed',
};

const ONBOARDING_WORDS: Record<OnboardingStep['state'], string> = {
  done: '✓ Done',
  'needs-you': '→ Needs you',
  waiting: '○ Waiting',
};

/** The six onboarding steps: what is done, what needs the customer, what waits on us. */
function onboardingList(steps: readonly OnboardingStep[]): Html | string {
  if (steps.length === 0) return '';
  return html`<h2 id="onboarding-title">Getting started</h2>
    <ol class="onboarding" id="onboarding" aria-labelledby="onboarding-title">
      ${steps.map(
        (s) =>
          html`<li class="onboarding-step onboarding-${s.state}" data-onboarding="${s.key}" data-state="${s.state}">
            <span class="onboarding-head"
              ><span class="onboarding-n">${String(s.n)}</span> <span class="onboarding-title">${s.title}</span>
              <span class="onboarding-state">${ONBOARDING_WORDS[s.state]}</span></span
            >
            <span class="onboarding-detail"
              >${s.detail}${s.link ? html` <a href="${s.link.href}">${s.link.text}</a>` : ''}</span
            >
          </li>`,
      )}
    </ol>`;
}

/** What a run is called on the page, while it runs and once it is over. */
const RUN_HEADINGS: Record<NonNullable<TenantStatusView['run']>['goal'], readonly [string, string]> = {
  provision: ['Provisioning', 'Provisioning'],
  update: ['Change in progress', 'Last change'],
  suspend: ['Suspending your workspace', 'Workspace suspended'],
  resume: ['Resuming your workspace', 'Workspace resumed'],
  offboard: ['Removing your workspace', 'Workspace removed'],
  resync: ['Re-applying your workspace', 'Workspace re-applied'],
};

const runHeading = (run: NonNullable<TenantStatusView['run']>): string =>
  RUN_HEADINGS[run.goal][run.status === 'succeeded' ? 1 : 0];

/** Offboarding or removed: no address to wait for, no plugins to choose. */
const isRemoved = (state: TenantStatusView['tenant']['state']): boolean =>
  state === 'offboarding' || state === 'deleted';

const STEP_SYMBOLS: Record<string, string> = {
  pending: '○ Waiting',
  running: '◐ In progress',
  retrying: '↻ Retrying',
  succeeded: '✓ Done',
  failed: '✗ Failed',
  skipped: '– Skipped',
};

export function liveFragment(view: TenantStatusView, csrfToken: string): Html {
  const { tenant, run, billing, message } = view;
  return html`<div class="message message-${message.tone}">
      <h2 id="message-title">${message.title}</h2>
      <p id="message-body">${message.body}</p>
    </div>
    <dl class="facts">
      <dt>State</dt>
      <dd id="tenant-state" data-state="${tenant.state}">${STATE_LABELS[tenant.state]}</dd>
      <dt>Address</dt>
      <dd>
        ${
          tenant.url
            ? html`<a id="tenant-url" href="${tenant.url}">${tenant.url}</a>`
            : isRemoved(tenant.state)
              ? html`https://${tenant.hostname} <span class="hint">(${tenant.state === 'deleted' ? 'removed' : 'being removed'})</span>`
              : html`https://${tenant.hostname} <span class="hint">(available when ready)</span>`
        }
      </dd>
      <dt>Plan</dt>
      <dd>${tenant.plan}, ${tenant.seats} seats, ${tenant.isolation} isolation</dd>
      <dt>Cloud</dt>
      <dd>${tenant.cloud} · ${tenant.region}</dd>
      ${
        tenant.identity || tenant.canConnectIdentity
          ? html`<dt>Sign-in</dt>
              <dd id="tenant-identity">
                ${tenant.identity ? html`Your identity provider (${tenant.identity.issuer})` : 'ContextWeaver accounts'}${
                  tenant.canConnectIdentity
                    ? html` · <a id="identity-link" href="/status/identity?tenant=${tenant.id}">${tenant.identity ? 'Change' : 'Connect your identity provider'}</a>`
                    : ''
                }
              </dd>`
          : ''
      }
      ${
        billing.mode === 'trial'
          ? html`<dt>Billing</dt>
              <dd>Trial (${billing.trialDays} days); billing is not enabled on this installation</dd>`
          : ''
      }
      ${
        billing.pastDue
          ? html`<dt>Payment</dt>
              <dd>
                Overdue${billing.graceUntil ? html`, suspension after ${new Date(billing.graceUntil).toUTCString()}` : ''}
              </dd>`
          : ''
      }
      ${
        billing.offboardAt
          ? html`<dt>Subscription</dt>
              <dd>
                ${tenant.state === 'deleted' ? 'Cancelled; workspace removed' : `Cancelled; removal after ${new Date(billing.offboardAt).toUTCString()}`}
              </dd>`
          : ''
      }
    </dl>
    ${onboardingList(view.onboarding)}
    ${
      run
        ? html`<h2 id="run-title">${runHeading(run)}</h2>
            <ol class="steps" id="steps">
              ${run.steps.map(
                (s) =>
                  html`<li class="step step-${s.status}" data-step="${s.step}" data-status="${s.status}">
                    <span class="step-label">${s.label}</span>
                    <span class="step-status"
                      >${STEP_SYMBOLS[s.status] ?? s.status}${s.attempts > 1 ? ` (attempt ${s.attempts})` : ''}${s.durationMs !== null && s.status === 'succeeded' ? ` in ${(s.durationMs / 1000).toFixed(1)} s` : ''}</span
                    >${s.error ? html`<p class="step-error">${s.error}</p>` : ''}
                  </li>`,
              )}
            </ol>`
        : ''
    }
    ${billingActions(view, csrfToken)}`;
}

function billingActions(view: TenantStatusView, csrfToken: string): Html | string {
  const { billing } = view;
  if (!billing.enabled) return '';
  return html`<div class="actions">
    ${billing.needsCheckout ? html`<form method="post" action="/billing/checkout"><input type="hidden" name="_csrf" value="${csrfToken}" /><button type="submit" class="button">Continue to payment</button></form>` : ''}
    ${billing.canOpenPortal ? html`<form method="post" action="/billing/portal"><input type="hidden" name="_csrf" value="${csrfToken}" /><button type="submit" class="button secondary-button">Manage billing</button></form>` : ''}
  </div>`;
}

export function statusPage(view: TenantStatusView, csrfToken: string, notice?: string): string {
  const body = html`<h1>${view.tenant.displayName}</h1>
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
    <div id="live" aria-live="polite" data-live="${view.live ? 'true' : 'false'}">
      ${liveFragment(view, csrfToken)}
    </div>
    ${
      isRemoved(view.tenant.state)
        ? ''
        : html`<p><a href="/status/plugins">Plugins (Connector Marketplace)</a>: choose each engine's plugins and see the credentials they need.</p>`
    }
    <p class="reference">Reference for support: <code>${view.reference}</code></p>`;
  return page({
    title: `${view.tenant.displayName} status`,
    body,
    script: 'status.js',
    noscriptRefreshSeconds: view.live ? 10 : undefined,
  });
}

export function signInPage(csrfToken: string): string {
  const body = html`<h1>Sign in to see your workspace</h1>
    <p>We sign you in with a link by e-mail. Enter the address you signed up with:</p>
    ${resendForm(csrfToken)}
    <p><a href="/">Create a new workspace</a></p>`;
  return page({ title: 'Sign in', body });
}

export const CHECKOUT_NOTICES: Record<string, string> = {
  success: 'Thank you! Your payment went through; provisioning starts as soon as Stripe confirms it.',
  cancelled:
    'The checkout was cancelled; nothing was charged. You can continue to payment whenever you are ready.',
  unavailable:
    'We could not reach the payment provider just now. Please try "Continue to payment" again in a moment.',
};
