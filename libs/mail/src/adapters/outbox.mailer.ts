/**
 * The dev outbox: every mail becomes a JSON file (mode 0600) in a local folder, and one line per
 * mail is printed naming the file. Its links (a magic link is a credential) are printed only when
 * asked (`printLinks`, MAIL_OUTBOX_PRINT_LINKS=true, which `npm start` sets so a developer can
 * click the link without any mail server); otherwise they stay out of the process output, which
 * tests and log collectors read. Tests read the files back with `readOutbox`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashId } from '@cw/observability';
import type { MailMessage, MailSendResult, Mailer } from '../mail.port.js';

export interface OutboxMessage extends MailMessage {
  id: string;
  from: string;
  sentAt: string;
  /** Every http(s) URL of the text body, in order. */
  links: string[];
}

const URL_RE = /https?:\/\/[^\s<>"')]+/g;
export const extractLinks = (text: string): string[] => text.match(URL_RE) ?? [];

export interface OutboxOptions {
  dir: string;
  from: string;
  /** Where the "mail sent" line goes (default console.log; tests pass a no-op). */
  print?: (line: string) => void;
  /** Print the mail's links on that line (default false: they are credentials). */
  printLinks?: boolean;
}

export class OutboxMailer implements Mailer {
  readonly transport = 'outbox' as const;
  private readonly print: (line: string) => void;

  constructor(private readonly options: OutboxOptions) {
    this.print = options.print ?? ((line) => console.log(line));
  }

  async send(message: MailMessage): Promise<MailSendResult> {
    const sentAt = new Date();
    // Sortable by time, unique within a millisecond.
    const id = `${sentAt.toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}`;
    const entry: OutboxMessage = {
      id,
      from: this.options.from,
      sentAt: sentAt.toISOString(),
      ...message,
      links: extractLinks(message.text),
    };
    await mkdir(this.options.dir, { recursive: true });
    const file = join(this.options.dir, `${id}.json`);
    await writeFile(file, `${JSON.stringify(entry, null, 2)}\n`, { mode: 0o600 });
    // The recipient is pseudonymised like in logs; links only when asked for.
    const links = this.options.printLinks
      ? entry.links.map((l) => `\n    ${l}`).join('')
      : entry.links.length
        ? ` (${entry.links.length} link${entry.links.length === 1 ? '' : 's'} in the file; MAIL_OUTBOX_PRINT_LINKS=true prints them)`
        : '';
    this.print(`[dev outbox] "${message.subject}" to ${hashId(message.to)} → ${file}${links}`);
    return { id, transport: 'outbox' };
  }

  async close(): Promise<void> {}
}

/** Messages in an outbox folder, oldest first; `to` filters by recipient (case-insensitive). */
export async function readOutbox(
  dir: string,
  filter: { to?: string; tag?: string } = {},
): Promise<OutboxMessage[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const messages = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as OutboxMessage),
  );
  return messages.filter(
    (m) =>
      (!filter.to || m.to.toLowerCase() === filter.to.toLowerCase()) && (!filter.tag || m.tag === filter.tag),
  );
}
