import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AcsMailer,
  MailDeliveryError,
  createMailer,
  readOutbox,
  senderAddress,
  type AcsClient,
} from '../src/index.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('dev outbox', () => {
  it('writes one file per mail, prints the links when asked, and reads them back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-outbox-'));
    dirs.push(dir);
    const printed: string[] = [];
    const mailer = await createMailer({
      transport: 'outbox',
      from: 'CW <no-reply@localtest.me>',
      outboxDir: dir,
      printLinks: true,
      print: (l) => printed.push(l),
    });
    await mailer.send({
      to: 'Ada@Example.com',
      subject: 'Verify',
      text: 'Open http://localhost:3000/verify?token=abc.def now.',
      tag: 'verify-email',
    });
    await mailer.send({ to: 'bob@example.com', subject: 'Other', text: 'no links' });
    expect(await readdir(dir)).toHaveLength(2);
    const mine = await readOutbox(dir, { to: 'ada@example.com' });
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      subject: 'Verify',
      tag: 'verify-email',
      links: ['http://localhost:3000/verify?token=abc.def'],
    });
    expect(printed[0]).toContain('http://localhost:3000/verify?token=abc.def');
    // The console line pseudonymises the recipient like the logs do.
    expect(printed.join('\n')).not.toContain('Ada@Example.com');
    expect(await readOutbox(join(dir, 'missing'))).toEqual([]);
  });

  it('keeps links (credentials) out of the printed line by default', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-outbox-'));
    dirs.push(dir);
    const printed: string[] = [];
    const mailer = await createMailer({
      transport: 'outbox',
      from: 'CW <no-reply@localtest.me>',
      outboxDir: dir,
      print: (l) => printed.push(l),
    });
    await mailer.send({
      to: 'ada@example.com',
      subject: 'Verify',
      text: 'Open http://localhost:3000/verify?token=abc.def now.',
    });
    expect(printed).toHaveLength(1);
    expect(printed[0]).not.toContain('abc.def');
    expect(printed[0]).toContain('1 link in the file; MAIL_OUTBOX_PRINT_LINKS=true prints them');
    expect((await readOutbox(dir))[0]!.links).toEqual(['http://localhost:3000/verify?token=abc.def']);
  });
});

/** A minimal SMTP server: enough of RFC 5321 for nodemailer to deliver one message. */
function smtpServer(): Promise<{ server: Server; port: number; messages: string[] }> {
  const messages: string[] = [];
  const server = createServer((socket: Socket) => {
    let data = false;
    let buffer = '';
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let i: number;
      while ((i = data ? buffer.indexOf('\r\n.\r\n') : buffer.indexOf('\r\n')) >= 0) {
        if (data) {
          messages.push(buffer.slice(0, i));
          buffer = buffer.slice(i + 5);
          data = false;
          socket.write('250 OK queued as test-1\r\n');
          continue;
        }
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250-test\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          data = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port, messages }),
    ),
  );
}

describe('SMTP', () => {
  it('delivers a message to an SMTP server', async () => {
    const { server, port, messages } = await smtpServer();
    const mailer = await createMailer({
      transport: 'smtp',
      from: 'CW <no-reply@example.com>',
      smtpUrl: `smtp://127.0.0.1:${port}`,
    });
    const result = await mailer.send({
      to: 'ada@example.com',
      subject: 'Hello',
      text: 'Body text',
      html: '<p>Body</p>',
      tag: 'welcome',
    });
    expect(result.transport).toBe('smtp');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('Subject: Hello');
    expect(messages[0]).toMatch(/^X-CW-Mail-Tag: welcome$/im);
    await mailer.close();
    server.close();
  });

  it('reports an unreachable server as MailDeliveryError', async () => {
    const mailer = await createMailer({
      transport: 'smtp',
      from: 'x@example.com',
      smtpUrl: 'smtp://127.0.0.1:1',
    });
    await expect(mailer.send({ to: 'a@example.com', subject: 's', text: 't' })).rejects.toBeInstanceOf(
      MailDeliveryError,
    );
  });
});

describe('Azure Communication Services', () => {
  // The ACS service cannot run locally; a client stand-in records what would be sent.
  const client = (status: string, sent: unknown[]): AcsClient => ({
    beginSend: (async (message: unknown) => {
      sent.push(message);
      return {
        pollUntilDone: async () => ({
          id: 'op-1',
          status,
          error: status === 'Failed' ? { message: 'rejected' } : undefined,
        }),
      };
    }) as unknown as AcsClient['beginSend'],
  });

  it('sends subject, text, html and the bare sender address', async () => {
    const sent: unknown[] = [];
    const mailer = new AcsMailer(client('Succeeded', sent), 'ContextWeaver <no-reply@mail.contextweaver.io>');
    expect(await mailer.send({ to: 'ada@example.com', subject: 'S', text: 'T', html: '<p>T</p>' })).toEqual({
      id: 'op-1',
      transport: 'acs',
    });
    expect(sent[0]).toEqual({
      senderAddress: 'no-reply@mail.contextweaver.io',
      content: { subject: 'S', plainText: 'T', html: '<p>T</p>' },
      recipients: { to: [{ address: 'ada@example.com' }] },
    });
  });

  it('turns a failed send into MailDeliveryError', async () => {
    const mailer = new AcsMailer(client('Failed', []), 'x@example.com');
    await expect(mailer.send({ to: 'a@example.com', subject: 's', text: 't' })).rejects.toThrow(/rejected/);
    expect(senderAddress('plain@example.com')).toBe('plain@example.com');
  });

  it('needs a connection string or an endpoint', async () => {
    await expect(createMailer({ transport: 'acs', from: 'x@example.com' })).rejects.toThrow(
      /connection string or an endpoint/,
    );
  });
});
