/**
 * A local SMTP submission server (the `smtp-server` package) that requires AUTH (PLAIN or LOGIN)
 * against the given accounts, refuses a sender that is not the authenticated account's address
 * when `enforceSender` is set, and keeps every accepted message parsed (mailparser) with the
 * account that sent it. Optionally hands each raw message to a callback (e.g. an IMAP mailbox).
 */
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface SmtpReceived {
  /** The account that authenticated. */
  account: string;
  mailFrom: string;
  rcptTo: string[];
  raw: string;
  parsed: ParsedMail;
}

export interface SmtpServerOptions {
  /** username → password. */
  accounts: Record<string, string>;
  /** Largest message accepted, in bytes (default 25 MiB). */
  maxBytes?: number;
  onMessage?: (raw: string) => void;
}

export interface SmtpTestServer {
  host: string;
  port: number;
  received: SmtpReceived[];
  /** Usernames of AUTH attempts, in order. */
  auths: { username: string; ok: boolean }[];
  close(): Promise<void>;
}

export async function startSmtpServer(options: SmtpServerOptions): Promise<SmtpTestServer> {
  const received: SmtpReceived[] = [];
  const auths: SmtpTestServer['auths'] = [];
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    // Plain TCP on 127.0.0.1: the test has no certificate; production SMTP uses TLS.
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: options.maxBytes ?? 25 * 1024 * 1024,
    logger: false,
    onAuth(auth, _session, callback) {
      const ok = !!auth.username && options.accounts[auth.username] === auth.password;
      auths.push({ username: auth.username ?? '', ok });
      if (!ok) return callback(new Error('Invalid username or password'));
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          return callback(Object.assign(new Error('Message exceeds the size limit'), { responseCode: 552 }));
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (parsed) => {
            received.push({
              account: String(session.user),
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              rcptTo: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
            });
            options.onMessage?.(raw);
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    host: '127.0.0.1',
    port,
    received,
    auths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
