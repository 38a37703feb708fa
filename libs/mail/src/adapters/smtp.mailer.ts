/** SMTP through nodemailer. The URL carries host, port, TLS and credentials: `smtps://user:pass@mail.example.com:465`. */
import nodemailer, { type Transporter } from 'nodemailer';
import { MailDeliveryError, type MailMessage, type MailSendResult, type Mailer } from '../mail.port.js';

export interface SmtpOptions {
  url: string;
  from: string;
  /** Socket/greeting timeouts in ms (default 15 s), so a dead server fails a request instead of hanging it. */
  timeoutMs?: number;
}

export class SmtpMailer implements Mailer {
  readonly transport = 'smtp' as const;
  private readonly transporter: Transporter;

  constructor(private readonly options: SmtpOptions) {
    const timeout = options.timeoutMs ?? 15_000;
    this.transporter = nodemailer.createTransport({
      url: options.url,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    } as Parameters<typeof nodemailer.createTransport>[0]);
  }

  async send(message: MailMessage): Promise<MailSendResult> {
    try {
      const info = (await this.transporter.sendMail({
        from: this.options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: message.tag ? { 'X-CW-Mail-Tag': message.tag } : undefined,
      })) as { messageId?: string };
      return { id: info.messageId ?? '', transport: 'smtp' };
    } catch (error) {
      throw new MailDeliveryError(`SMTP delivery failed: ${(error as Error).message}`, 'smtp', {
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
