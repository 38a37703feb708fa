/**
 * A local IMAP4rev1 server (hoodiecrow-imap, in memory) for the email plugin's read tools:
 * LOGIN against the given accounts, one shared mailbox tree, and a log of
 * which account logged in (so tests can tell which credential of the cascade reached it).
 * hoodiecrow is a single-mailbox test server: every account sees the same messages.
 */
import hoodiecrow from 'hoodiecrow-imap';

export interface ImapSeedMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  date?: Date;
  seen?: boolean;
}

export interface ImapServerOptions {
  /** username → password. */
  accounts: Record<string, string>;
  messages?: ImapSeedMessage[];
}

export interface ImapTestServer {
  host: string;
  port: number;
  /** Usernames of successful and failed logins, in order. */
  logins: { username: string; ok: boolean }[];
  /** Appends a raw RFC 5322 message to a mailbox (e.g. what the SMTP server received). */
  deliver(raw: string, mailbox?: string): void;
  close(): Promise<void>;
}

export function rfc822(m: ImapSeedMessage): string {
  return [
    `From: ${m.from}`,
    `To: ${m.to}`,
    `Subject: ${m.subject}`,
    `Date: ${(m.date ?? new Date()).toUTCString()}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@local.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    m.text,
  ].join('\r\n');
}

interface Parsed {
  command?: string;
  attributes?: { value?: string }[];
}

export async function startImapServer(options: ImapServerOptions): Promise<ImapTestServer> {
  const logins: ImapTestServer['logins'] = [];
  const users = Object.fromEntries(
    Object.entries(options.accounts).map(([u, password]) => [u, { password }]),
  );
  const server = hoodiecrow({
    plugins: ['ID', 'NAMESPACE', 'IDLE', 'ENABLE', 'LITERALPLUS', 'UNSELECT', 'SPECIAL-USE'],
    users,
    storage: {
      INBOX: {
        messages: (options.messages ?? []).map((m) => ({
          raw: rfc822(m),
          flags: m.seen ? ['\\Seen'] : [],
          ...(m.date ? { internaldate: imapDate(m.date) } : {}),
        })),
      },
      '': { folders: { Sent: { 'special-use': '\\Sent' } } },
    },
  });
  // Only LOGIN is offered (no AUTH=PLAIN), so every login passes through this wrapper.
  const login = server.getCommandHandler('LOGIN');
  server.setCommandHandler('LOGIN', (connection, parsed, data, callback) => {
    const [user, pass] = ((parsed as Parsed).attributes ?? []).map((a) => a.value ?? '');
    logins.push({ username: user ?? '', ok: !!user && options.accounts[user] === pass });
    login(connection, parsed, data, callback);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    host: '127.0.0.1',
    port,
    logins,
    deliver: (raw, mailbox = 'INBOX') => void server.appendMessage(mailbox, [], undefined, raw),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** IMAP INTERNALDATE: "17-Jul-1996 02:44:25 +0000". */
function imapDate(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${months[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
