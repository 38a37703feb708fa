/**
 * "Connect your identity provider" (customer status area): issuer URL, client id and client
 * secret, with problems in plain words next to the field they concern. Works without
 * JavaScript; the secret is never echoed back into the page.
 */
import type { FieldError, IdpFormValues } from '@cw/control-plane';
import { attrIf, html, type Html } from '../views/html.js';
import { page } from '../views/layout.js';

export interface IdentityPageModel {
  csrfToken: string;
  tenant: {
    tenantId: string;
    slug: string;
    displayName: string;
    identity: { issuer: string; clientId: string; hasSecret: boolean } | null;
  };
  values?: IdpFormValues;
  errors?: FieldError[];
  notice?: string;
}

const FIELDS = [
  {
    name: 'issuer',
    label: 'Issuer URL',
    type: 'url',
    hint: 'For Microsoft Entra ID: https://login.microsoftonline.com/<your tenant id>/v2.0. For Okta: https://<org>.okta.com/oauth2/default.',
    autocomplete: 'url',
  },
  {
    name: 'clientId',
    label: 'Client id',
    type: 'text',
    hint: 'The id of the application you registered for ContextWeaver at your identity provider.',
    autocomplete: 'off',
  },
  {
    name: 'clientSecret',
    label: 'Client secret',
    type: 'password',
    hint: 'Stored in your workspace vault only; we never show it again.',
    autocomplete: 'new-password',
  },
] as const;

export function identityPage(model: IdentityPageModel): string {
  const errors = new Map<string, string[]>();
  for (const e of model.errors ?? []) errors.set(e.path, [...(errors.get(e.path) ?? []), e.message]);
  const current = model.tenant.identity;
  const valueOf = (name: string): string =>
    name === 'clientSecret'
      ? ''
      : (model.values?.[name as 'issuer' | 'clientId'] ??
        (current ? current[name as 'issuer' | 'clientId'] : ''));

  const field = (f: (typeof FIELDS)[number]): Html => {
    const problems = errors.get(f.name) ?? [];
    const describedBy = [`${f.name}-hint`, problems.length ? `${f.name}-error` : '']
      .filter(Boolean)
      .join(' ');
    return html`<div class="field">
      <label for="${f.name}">${f.label}</label>
      <p class="hint" id="${f.name}-hint">${f.hint}</p>
      <input
        id="${f.name}"
        name="${f.name}"
        type="${f.type}"
        autocomplete="${f.autocomplete}"
        spellcheck="false"
        value="${valueOf(f.name)}"
        aria-describedby="${describedBy}"
        ${attrIf(problems.length > 0, 'aria-invalid="true"')}
      />
      ${problems.length ? html`<div id="${f.name}-error">${problems.map((p) => html`<p class="field-error"><span class="visually-hidden">Error: </span>${p}</p>`)}</div>` : ''}
    </div>`;
  };

  const summary = errors.size
    ? html`<div class="error-summary" role="alert" tabindex="-1" id="error-summary">
        <h2>There is a problem</h2>
        <ul>
          ${[...errors].map(
            ([name, messages]) =>
              html`<li>
                <a href="#${name}">${FIELDS.find((f) => f.name === name)?.label ?? name}: ${messages[0]}</a>
              </li>`,
          )}
        </ul>
      </div>`
    : '';

  const body = html`<h1>Connect your identity provider</h1>
    <p>
      Let the people of <strong>${model.tenant.displayName}</strong> sign in to ContextWeaver with the
      accounts they already have. Register an application for ContextWeaver at your OpenID Connect provider,
      then enter its details here.
    </p>
    ${model.notice ? html`<p class="notice" role="status" id="identity-notice">${model.notice}</p>` : ''}
    ${
      current
        ? html`<dl class="facts" id="identity-current">
            <dt>Connected issuer</dt>
            <dd>${current.issuer}</dd>
            <dt>Client id</dt>
            <dd>${current.clientId}</dd>
            <dt>Client secret</dt>
            <dd>${current.hasSecret ? 'stored in your workspace vault' : 'missing: enter it again'}</dd>
          </dl>`
        : ''
    }
    ${summary}
    <form method="post" action="/status/identity" novalidate>
      <input type="hidden" name="_csrf" value="${model.csrfToken}" />
      <input type="hidden" name="tenantId" value="${model.tenant.tenantId}" />
      ${FIELDS.map(field)}
      <button type="submit" class="button">Check and connect</button>
    </form>
    <p><a href="/status">Back to your workspace status</a></p>`;
  return page({ title: 'Connect your identity provider', body });
}
