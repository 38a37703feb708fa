/** Pages of the magic link: confirm, and one page per reason a link cannot be used. */
import type { InvalidTokenReason } from '@cw/control-plane';
import { html } from '../views/html.js';
import { page } from '../views/layout.js';
import { resendForm } from '../signup/signup.page.js';

export function confirmPage(token: string, csrfToken: string): string {
  const body = html`<h1>Confirm your e-mail address</h1>
    <p>Press the button to confirm it is you and continue.</p>
    <form method="post" action="/verify">
      <input type="hidden" name="_csrf" value="${csrfToken}" />
      <input type="hidden" name="token" value="${token}" />
      <button type="submit" class="button">Confirm and continue</button>
    </form>
    <p class="hint">We ask for this click so that mail scanners that open links cannot use your link up.</p>`;
  return page({ title: 'Confirm your e-mail address', body });
}

const REASONS: Record<InvalidTokenReason, { title: string; text: string }> = {
  expired: { title: 'This link has expired', text: 'Links work for 15 minutes. Ask for a new one below.' },
  used: {
    title: 'This link has already been used',
    text: 'Each link works once. If you opened it before, go to your status page; otherwise ask for a new link below.',
  },
  revoked: {
    title: 'This link was replaced',
    text: 'A newer link was sent to you; use the latest e-mail, or ask for another one below.',
  },
  forged: {
    title: 'This link is not valid',
    text: 'It may have been copied incompletely. Open it straight from the e-mail, or ask for a new one below.',
  },
  malformed: {
    title: 'This link is not valid',
    text: 'It may have been copied incompletely. Open it straight from the e-mail, or ask for a new one below.',
  },
  unknown: { title: 'This link is not valid', text: 'We do not know this link. Ask for a new one below.' },
  not_pending: {
    title: 'This workspace cannot be confirmed any more',
    text: 'It is being removed or was removed. Contact support if that is unexpected.',
  },
};

export function invalidLinkPage(reason: InvalidTokenReason, csrfToken: string): string {
  const { title, text } = REASONS[reason];
  const body = html`<h1>${title}</h1>
    <p>${text}</p>
    ${reason === 'used' ? html`<p><a href="/status">Go to your status page</a></p>` : ''}
    ${
      reason === 'not_pending'
        ? ''
        : html`<h2>Get a new link</h2>
            ${resendForm(csrfToken)}`
    }`;
  return page({ title, body });
}
