/**
 * The mail port: what the control plane (and later the provisioner's notify step) sends.
 * Adapters: Azure Communication Services, SMTP, and the dev outbox (the default).
 */
export interface MailMessage {
  to: string;
  subject: string;
  /** Plain-text body; always sent (accessible, and what the dev outbox prints links from). */
  text: string;
  html?: string;
  /** What kind of mail this is (`verify-email`, `welcome`); for logs and the outbox, never shown to users. */
  tag?: string;
}

export type MailTransport = 'outbox' | 'smtp' | 'acs';

export interface MailSendResult {
  /** Provider message id (ACS operation id, SMTP message id, outbox file id). */
  id: string;
  transport: MailTransport;
}

export interface Mailer {
  readonly transport: MailTransport;
  send(message: MailMessage): Promise<MailSendResult>;
  close(): Promise<void>;
}

/** Raised by adapters when the provider refused or could not be reached; the message names no recipient. */
export class MailDeliveryError extends Error {
  constructor(
    message: string,
    readonly transport: MailTransport,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MailDeliveryError';
  }
}
