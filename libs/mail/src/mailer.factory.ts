/** Picks the mail adapter from configuration; the dev outbox is the default. */
import { AcsMailer } from './adapters/acs.mailer.js';
import { OutboxMailer } from './adapters/outbox.mailer.js';
import { SmtpMailer } from './adapters/smtp.mailer.js';
import type { Mailer } from './mail.port.js';

export type MailConfig =
  | {
      transport: 'outbox';
      from: string;
      outboxDir: string;
      printLinks?: boolean;
      print?: (line: string) => void;
    }
  | { transport: 'smtp'; from: string; smtpUrl: string }
  | { transport: 'acs'; from: string; connectionString?: string; endpoint?: string };

export async function createMailer(config: MailConfig): Promise<Mailer> {
  switch (config.transport) {
    case 'outbox':
      return new OutboxMailer({
        dir: config.outboxDir,
        from: config.from,
        printLinks: config.printLinks,
        print: config.print,
      });
    case 'smtp':
      return new SmtpMailer({ url: config.smtpUrl, from: config.from });
    case 'acs':
      if (config.connectionString)
        return AcsMailer.create({ from: config.from, connectionString: config.connectionString });
      if (config.endpoint) return AcsMailer.create({ from: config.from, endpoint: config.endpoint });
      throw new Error('ACS mail needs a connection string or an endpoint (managed identity)');
  }
}
