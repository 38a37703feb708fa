/**
 * Notifier over libs/mail: the welcome e-mail. For the dev outbox it can also tell whether a
 * message went out before a crash (the outbox is readable); other transports cannot, so the
 * step sends again and relies on the idempotency key (see docs/provisioning.md).
 */
import { escapeHtml, readOutbox, type Mailer } from '@cw/mail';
import type { Notifier, WelcomeMessage } from '../ports.js';

export const WELCOME_TAG = 'welcome';

export function welcomeMail(message: WelcomeMessage) {
  const subject = `${message.displayName} on ContextWeaver is ready`;
  const text = [
    `Hello,`,
    ``,
    `your ContextWeaver tenant "${message.displayName}" is ready. Sign in at:`,
    ``,
    message.url,
    ``,
    `Next: connect your identity provider and choose the plugins of your engines on the status page.`,
    ``,
    `— ContextWeaver`,
  ].join('\n');
  const html =
    `<p>Hello,</p><p>your ContextWeaver tenant <strong>${escapeHtml(message.displayName)}</strong> is ready. Sign in at:</p>` +
    `<p><a href="${escapeHtml(message.url)}">${escapeHtml(message.url)}</a></p>` +
    `<p>Next: connect your identity provider and choose the plugins of your engines on the status page.</p><p>— ContextWeaver</p>`;
  return { to: message.to, subject, text, html, tag: WELCOME_TAG };
}

export class MailNotifier implements Notifier {
  constructor(
    private readonly mailer: Mailer,
    /** The outbox directory when the transport is `outbox`. */
    private readonly outboxDir?: string,
  ) {}

  async sendWelcome(message: WelcomeMessage, _idempotencyKey: string): Promise<void> {
    // The mail port has no idempotency key yet (requested); the step's record brackets the send.
    await this.mailer.send(welcomeMail(message));
  }

  async wasSent(message: WelcomeMessage): Promise<boolean | undefined> {
    if (this.mailer.transport !== 'outbox' || !this.outboxDir) return undefined;
    const sent = await readOutbox(this.outboxDir, { to: message.to, tag: WELCOME_TAG });
    return sent.some((m) => m.links.includes(message.url));
  }
}
