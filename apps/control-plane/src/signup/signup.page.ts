/**
 * The sign-up page. Works without JavaScript (every choice is a plain control, the server
 * validates and re-renders with errors next to their fields and a summary at the top);
 * /assets/signup.js adds the slug suggestion, the live availability check and plan-dependent
 * choices. Accessible: labels, fieldsets with legends, hints and errors tied to inputs with
 * aria-describedby, aria-invalid on fields in error.
 */
import { CLOUD_PROVIDERS, PLANS, PLAN_NAMES, REGIONS, type CloudProvider } from '@cw/tenant-model';
import type { FieldError, SignupValues } from '@cw/control-plane';
import { attrIf, html, type Html } from '../views/html.js';
import { page } from '../views/layout.js';

export const CLOUD_LABELS: Record<CloudProvider, string> = {
  azure: 'Microsoft Azure',
  aws: 'Amazon Web Services',
  gcp: 'Google Cloud',
  local: 'Local cluster (no cloud)',
};

export interface SignupPageModel {
  csrfToken: string;
  billingEnabled: boolean;
  baseDomain: string;
  values?: SignupValues;
  errors?: FieldError[];
  /** A message not tied to one field (rate limit, expired form). */
  formError?: string;
}

const dollars = (cents: number) => `$${(cents / 100).toFixed(0)}`;

export function signupPage(model: SignupPageModel): string {
  const values = model.values ?? {};
  const errors = new Map<string, string>();
  for (const e of model.errors ?? []) if (!errors.has(e.path)) errors.set(e.path, e.message);
  const plan = values.plan && (PLAN_NAMES as readonly string[]).includes(values.plan) ? values.plan : 'team';
  const cloud = values.cloud ?? 'azure';

  const describedBy = (name: string, hint: boolean) =>
    [hint ? `${name}-hint` : '', errors.has(name) ? `${name}-error` : ''].filter(Boolean).join(' ') ||
    undefined;
  const error = (name: string): Html | string =>
    errors.has(name)
      ? html`<p class="field-error" id="${name}-error">
          <span class="visually-hidden">Error: </span>${errors.get(name)}
        </p>`
      : '';
  const invalid = (name: string) => attrIf(errors.has(name), 'aria-invalid="true"');
  const described = (name: string, hint: boolean) => {
    const ids = describedBy(name, hint);
    return ids ? html` aria-describedby="${ids}"` : '';
  };
  const labelled: Record<string, string> = {
    organisationName: 'Organisation name',
    slug: 'Workspace address',
    email: 'Your work e-mail',
    plan: 'Plan',
    seats: 'Seats',
    cloud: 'Cloud',
    region: 'Region',
    isolation: 'Isolation',
  };

  const summary =
    errors.size > 0 || model.formError
      ? html`<div class="error-summary" role="alert" tabindex="-1" id="error-summary">
          <h2>There is a problem</h2>
          <ul>
            ${model.formError ? html`<li>${model.formError}</li>` : ''}${[...errors].map(
              ([field, message]) =>
                html`<li>
                  <a href="#${field in labelled ? field : 'organisationName'}"
                    >${labelled[field] ?? field}: ${message}</a
                  >
                </li>`,
            )}
          </ul>
        </div>`
      : '';

  const body = html` <h1>Create your ContextWeaver workspace</h1>
    ${
      model.billingEnabled
        ? html`<p>
            After you confirm your e-mail address you pay by card with Stripe, then we set up your workspace
            while you watch.
          </p>`
        : html`<p class="notice" id="trial-notice">
            <strong>Billing is not enabled on this installation:</strong> your workspace starts on a free
            trial right after you confirm your e-mail address.
          </p>`
    }
    ${summary}
    <form method="post" action="/api/signup" id="signup-form" novalidate>
      <input type="hidden" name="_csrf" value="${model.csrfToken}" />
      <div class="field">
        <label for="organisationName">Organisation name</label>
        <input
          id="organisationName"
          name="organisationName"
          type="text"
          autocomplete="organization"
          maxlength="100"
          required
          value="${values.organisationName ?? ''}"
          ${invalid('organisationName')}${described('organisationName', false)}
        />
        ${error('organisationName')}
      </div>
      <div class="field">
        <label for="slug">Workspace address</label>
        <p class="hint" id="slug-hint">
          Lowercase letters, digits and hyphens. Your workspace will be at
          <strong><span id="slug-preview">${values.slug || 'your-name'}</span>.${model.baseDomain}</strong>.
          Leave empty to derive it from the organisation name.
        </p>
        <input
          id="slug"
          name="slug"
          type="text"
          autocomplete="off"
          autocapitalize="none"
          spellcheck="false"
          maxlength="40"
          pattern="[a-z][-a-z0-9]*[a-z0-9]"
          value="${values.slug ?? ''}"
          ${invalid('slug')}${described('slug', true)}
        />
        <p class="live-status" id="slug-status" aria-live="polite"></p>
        ${error('slug')}
      </div>
      <div class="field">
        <label for="email">Your work e-mail</label>
        <p class="hint" id="email-hint">
          We send a sign-in link there; you become the workspace's first administrator.
        </p>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          inputmode="email"
          maxlength="254"
          required
          value="${values.email ?? ''}"
          ${invalid('email')}${described('email', true)}
        />
        ${error('email')}
      </div>
      <fieldset class="field" ${described('plan', false)}>
        <legend>Plan</legend>
        ${PLAN_NAMES.map((name) => {
          const p = PLANS[name];
          return html`<div class="choice">
            <input
              type="radio"
              id="plan-${name}"
              name="plan"
              value="${name}"
              ${attrIf(plan === name, 'checked')}
              data-seats-min="${p.seats.min}"
              data-seats-max="${p.seats.max}"
              data-isolation="${p.isolation.join(' ')}"
            />
            <label for="plan-${name}"
              ><strong>${p.displayName}</strong> — ${dollars(p.unitAmount)} per seat per month,
              ${p.seats.min}–${p.seats.max} seats, ${p.isolation.join(' or ')} isolation</label
            >
          </div>`;
        })}
        ${error('plan')}
      </fieldset>
      <div class="field">
        <label for="seats">Seats</label>
        <p class="hint" id="seats-hint">How many people will use the workspace; within your plan's range.</p>
        <input
          id="seats"
          name="seats"
          type="number"
          inputmode="numeric"
          min="1"
          max="10000"
          step="1"
          required
          value="${values.seats ?? '5'}"
          ${invalid('seats')}${described('seats', true)}
        />
        ${error('seats')}
      </div>
      <div class="field">
        <label for="cloud">Cloud</label>
        <select id="cloud" name="cloud" ${invalid('cloud')}${described('cloud', false)}>
          ${CLOUD_PROVIDERS.map((c) => html`<option value="${c}" ${attrIf(cloud === c, 'selected')}>${CLOUD_LABELS[c]}</option>`)}
        </select>
        ${error('cloud')}
      </div>
      <div class="field">
        <label for="region">Region</label>
        <p class="hint" id="region-hint">Pick a region of the cloud you chose.</p>
        <select id="region" name="region" ${invalid('region')}${described('region', true)}>
          ${CLOUD_PROVIDERS.map(
            (c) =>
              html`<optgroup label="${CLOUD_LABELS[c]}" data-cloud="${c}">
                ${REGIONS[c].map(
                  (r) => html`<option value="${r}" ${attrIf(values.region === r, 'selected')}>${r}</option>`,
                )}
              </optgroup>`,
          )}
        </select>
        ${error('region')}
      </div>
      <fieldset class="field" ${described('isolation', true)}>
        <legend>Isolation</legend>
        <p class="hint" id="isolation-hint">
          Shared: your own slices of platform resources. Dedicated: your own resources and nodes (Team and
          Enterprise).
        </p>
        ${(['shared', 'dedicated'] as const).map(
          (iso) =>
            html`<div class="choice">
              <input
                type="radio"
                id="isolation-${iso}"
                name="isolation"
                value="${iso}"
                ${attrIf((values.isolation ?? 'shared') === iso, 'checked')}
              />
              <label for="isolation-${iso}">${iso === 'shared' ? 'Shared' : 'Dedicated'}</label>
            </div>`,
        )}
        ${error('isolation')}
      </fieldset>
      <div class="hp" aria-hidden="true">
        <label for="website">Leave this field empty</label>
        <input id="website" name="website" type="text" tabindex="-1" autocomplete="off" />
      </div>
      <button type="submit" class="button">Create workspace</button>
    </form>
    <section class="secondary" aria-labelledby="resend-heading">
      <h2 id="resend-heading">Already signed up?</h2>
      ${resendForm(model.csrfToken)}
    </section>`;
  return page({
    title: errors.size > 0 ? 'Error: Create your workspace' : 'Create your workspace',
    body,
    script: 'signup.js',
  });
}

export function resendForm(csrfToken: string, email = ''): Html {
  return html`<form method="post" action="/api/signup/resend" class="inline-form">
    <input type="hidden" name="_csrf" value="${csrfToken}" />
    <label for="resend-email">E-mail address</label>
    <input
      id="resend-email"
      name="email"
      type="email"
      autocomplete="email"
      maxlength="254"
      required
      value="${email}"
    />
    <button type="submit" class="button secondary-button">Send me a new link</button>
  </form>`;
}

export function checkEmailPage(model: {
  slug?: string;
  csrfToken: string;
  resent?: boolean;
  trial: boolean;
}): string {
  const body = html`<h1>Check your e-mail</h1>
    <p role="status">
      ${model.resent ? 'If that address belongs to a workspace, a new link is on its way.' : html`We sent a link to confirm your address${model.slug ? html` for <strong>${model.slug}</strong>` : ''}.`}
    </p>
    <p>
      Open it within 15 minutes; it works once.
      ${model.trial ? 'Your trial workspace starts as soon as you confirm.' : 'Next you pay with Stripe and we set up your workspace.'}
    </p>
    <h2>No e-mail?</h2>
    <p>Check your spam folder, or ask for a new link:</p>
    ${resendForm(model.csrfToken)}`;
  return page({ title: 'Check your e-mail', body });
}
