/** Sending through SMTP submission with nodemailer, as the mailbox of the `account` credential. */
import nodemailer from 'nodemailer';
import type { ToolContext } from '@cw/mcp-gate';
import { emailConfig, guardedAddress, mailLogin, outboundPolicy } from './mail-account.js';

export interface OutgoingMail {
  to: string[];
  cc?: string[];
  subject: string;
  text?: string;
  html?: string;
  /** `data:<type>;name=<file>;base64,<data>` URLs. */
  attachments?: string[];
}

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)((?:;[\w-]+=[^;,]*)*);base64,([A-Za-z0-9+/=\s]*)$/;

export function decodeAttachment(url: string, index: number) {
  const m = DATA_URL.exec(url);
  if (!m) throw new Error(`attachments[${index}]: expected data:<type>;name=<file>;base64,<data>`);
  const name = /;name=([^;,]*)/.exec(m[2] ?? '')?.[1];
  return {
    filename: name ? decodeURIComponent(name) : `attachment-${index + 1}`,
    contentType: m[1]!,
    content: Buffer.from(m[3]!, 'base64'),
  };
}

export async function sendMail(
  ctx: ToolContext,
  mail: OutgoingMail,
): Promise<{ messageId: string; accepted: string[] }> {
  const server = emailConfig(ctx, 'smtp');
  const policy = outboundPolicy(ctx);
  const login = await mailLogin(ctx);
  const host = await guardedAddress(server, policy);
  const timeout = policy.timeoutMs ?? 10_000;
  const transport = nodemailer.createTransport({
    host,
    port: server.port,
    secure: server.secure,
    auth: { user: login.user, pass: login.pass },
    // TLS names the configured host, though the socket goes to the checked address.
    tls: { servername: server.host },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    logger: false,
  });
  const abort = () => transport.close();
  ctx.signal.addEventListener('abort', abort, { once: true });
  try {
    const info = await transport.sendMail({
      from: login.address,
      to: mail.to,
      ...(mail.cc?.length ? { cc: mail.cc } : {}),
      subject: mail.subject,
      ...(mail.text !== undefined ? { text: mail.text } : {}),
      ...(mail.html !== undefined ? { html: mail.html } : {}),
      attachments: (mail.attachments ?? []).map(decodeAttachment),
    });
    return {
      messageId: info.messageId,
      accepted: (info.accepted as (string | { address: string })[]).map((a) =>
        typeof a === 'string' ? a : a.address,
      ),
    };
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    transport.close();
  }
}
