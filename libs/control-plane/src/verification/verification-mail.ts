/** The magic-link e-mails: plain text first (every client shows it), a small HTML version beside it. */
import { escapeHtml, type MailMessage } from '@cw/mail';

export function verificationMail(input: {
  to: string;
  organisationName: string;
  link: string;
  purpose: 'verify-email' | 'sign-in';
  ttlMinutes: number;
}): MailMessage {
  const verify = input.purpose === 'verify-email';
  const subject = verify
    ? `Confirm your e-mail for ${input.organisationName} on ContextWeaver`
    : `Your ContextWeaver sign-in link for ${input.organisationName}`;
  const action = verify
    ? 'confirm your e-mail address and continue setting up'
    : 'sign in and see the status of';
  const text = [
    `Hello,`,
    ``,
    `Open this link to ${action} ${input.organisationName}:`,
    ``,
    input.link,
    ``,
    `The link works once and expires in ${input.ttlMinutes} minutes. If you did not ask for it, ignore this e-mail.`,
    ``,
    `ContextWeaver`,
  ].join('\n');
  const html = `<!doctype html><html lang="en"><body style="font-family:system-ui,sans-serif;line-height:1.5">
<p>Hello,</p>
<p>Open this link to ${escapeHtml(action)} <strong>${escapeHtml(input.organisationName)}</strong>:</p>
<p><a href="${escapeHtml(input.link)}">${verify ? 'Confirm my e-mail address' : 'Sign in'}</a></p>
<p>The link works once and expires in ${input.ttlMinutes} minutes. If you did not ask for it, ignore this e-mail.</p>
<p>ContextWeaver</p></body></html>`;
  return { to: input.to, subject, text, html, tag: input.purpose };
}
