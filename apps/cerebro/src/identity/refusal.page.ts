/** The 401 page of a refused sign-in: what happened in words, and what to do about it. */
import type { Request, Response } from 'express';
import { html } from '../views/html.js';
import { sendPage } from '../views/layout.js';

const TEXT: Record<string, string> = {
  tenant_not_allowed:
    'Your account belongs to an organisation directory that is not allowed to sign in here. Use your account of this organisation, or ask its administrator.',
  bad_signature:
    'The identity provider’s answer could not be verified. Try again; if it keeps happening, tell your administrator.',
  expired: 'The sign-in took too long or your clock is off. Please try again.',
  wrong_audience:
    'The identity provider issued the sign-in for another application. Ask your administrator to check the client id.',
  wrong_issuer: 'The sign-in came from an identity provider this workspace does not use.',
  group_overage:
    'Your account is in more groups than the identity provider puts in a token (Entra ID group overage). Ask your administrator to emit only the groups assigned to this application.',
  idp_unavailable: 'The identity provider did not answer. Try again in a minute.',
  disabled: 'Your account has been disabled in this workspace. Ask a manager.',
  not_active: 'Your access has not been approved yet (or was removed). Ask a manager.',
  no_provider_grant:
    'Provider support access is switched off for this workspace. The customer’s managers can switch it on for a limited time.',
  invalid_or_used: 'This sign-in link is invalid, already used, or expired. Ask for a new one.',
};

export function refusalPage(req: Request, res: Response, reason: string, plane: string): void {
  sendPage(req, res, {
    title: 'Sign-in refused',
    status: 401,
    body: html`<h1>Sign-in refused</h1>
      <p class="error">${TEXT[reason] ?? 'The sign-in could not be completed. Please try again.'}</p>
      <p class="hint">Reason code: ${reason} (${plane})</p>
      <p><a href="/sign-in">Back to sign-in</a></p>`,
  });
}
