/**
 * Azure Communication Services e-mail. Authenticates with a connection string, or — with only an
 * endpoint — with managed identity / workload identity through DefaultAzureCredential, so no key
 * needs to exist anywhere in that case.
 */
import type { EmailClient, EmailMessage } from '@azure/communication-email';
import { MailDeliveryError, type MailMessage, type MailSendResult, type Mailer } from '../mail.port.js';

export type AcsOptions = { from: string; connectionString: string } | { from: string; endpoint: string };

/** The part of EmailClient the adapter uses (a fake in unit tests). */
export type AcsClient = Pick<EmailClient, 'beginSend'>;

export async function createAcsClient(options: AcsOptions): Promise<AcsClient> {
  const { EmailClient } = await import('@azure/communication-email');
  if ('connectionString' in options) return new EmailClient(options.connectionString);
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new EmailClient(options.endpoint, new DefaultAzureCredential());
}

/** `Name <addr@example.com>` or `addr@example.com` → ACS wants the bare sender address. */
export const senderAddress = (from: string): string => /<([^>]+)>/.exec(from)?.[1]?.trim() ?? from.trim();

export class AcsMailer implements Mailer {
  readonly transport = 'acs' as const;

  constructor(
    private readonly client: AcsClient,
    private readonly from: string,
  ) {}

  static async create(options: AcsOptions): Promise<AcsMailer> {
    return new AcsMailer(await createAcsClient(options), options.from);
  }

  async send(message: MailMessage): Promise<MailSendResult> {
    const email: EmailMessage = {
      senderAddress: senderAddress(this.from),
      content: {
        subject: message.subject,
        plainText: message.text,
        ...(message.html ? { html: message.html } : {}),
      },
      recipients: { to: [{ address: message.to }] },
      ...(message.tag ? { headers: { 'X-CW-Mail-Tag': message.tag } } : {}),
    };
    try {
      const poller = await this.client.beginSend(email);
      const result = await poller.pollUntilDone();
      if (result.status !== 'Succeeded') {
        throw new Error(`status ${result.status}${result.error?.message ? `: ${result.error.message}` : ''}`);
      }
      return { id: result.id, transport: 'acs' };
    } catch (error) {
      throw new MailDeliveryError(
        `Azure Communication Services delivery failed: ${(error as Error).message}`,
        'acs',
        { cause: error },
      );
    }
  }

  async close(): Promise<void> {}
}
