/**
 * Reading a mailbox over IMAP with imapflow, as the `account` credential's login. Message
 * bodies are bounded: messages above MAX_MESSAGE_BYTES are not downloaded, and the text handed
 * back is cut at MAX_TEXT_CHARS (mail is untrusted content, and a model's context is finite).
 */
import { ImapFlow, type FetchMessageObject, type SearchObject } from 'imapflow';
import { simpleParser } from 'mailparser';
import type { ToolContext } from '@cw/mcp-gate';
import { emailConfig, guardedAddress, mailLogin, outboundPolicy } from './mail-account.js';

export const MAX_MESSAGE_BYTES = 5 * 1024 * 1024;
export const MAX_TEXT_CHARS = 100_000;

export interface MessageSummary {
  uid: number;
  from: string;
  subject: string;
  date?: string;
  seen: boolean;
  size?: number;
}

async function withMailbox<T>(
  ctx: ToolContext,
  mailbox: string,
  work: (client: ImapFlow) => Promise<T>,
): Promise<T> {
  const server = emailConfig(ctx, 'imap');
  const policy = outboundPolicy(ctx);
  const login = await mailLogin(ctx);
  const host = await guardedAddress(server, policy);
  const timeout = policy.timeoutMs ?? 10_000;
  const client = new ImapFlow({
    host,
    port: server.port,
    secure: server.secure,
    servername: server.host,
    auth: { user: login.user, pass: login.pass },
    logger: false,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout * 3,
  });
  const abort = () => client.close();
  ctx.signal.addEventListener('abort', abort, { once: true });
  try {
    await client.connect();
    const lock = await client.getMailboxLock(mailbox, { readOnly: true });
    try {
      return await work(client);
    } finally {
      lock.release();
    }
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    await client.logout().catch(() => client.close());
  }
}

const summary = (m: FetchMessageObject): MessageSummary => ({
  uid: m.uid,
  from: (m.envelope?.from ?? []).map((a) => a.address ?? a.name ?? '').join(', '),
  subject: m.envelope?.subject ?? '',
  ...(m.envelope?.date ? { date: new Date(m.envelope.date).toISOString() } : {}),
  seen: m.flags?.has('\\Seen') ?? false,
  ...(m.size !== undefined ? { size: m.size } : {}),
});

async function summaries(client: ImapFlow, uids: number[], limit: number): Promise<MessageSummary[]> {
  const newest = [...uids].sort((a, b) => b - a).slice(0, limit);
  if (newest.length === 0) return [];
  const out: MessageSummary[] = [];
  for await (const m of client.fetch(
    newest,
    { uid: true, envelope: true, flags: true, size: true },
    { uid: true },
  ))
    out.push(summary(m));
  return out.sort((a, b) => b.uid - a.uid);
}

export const listMessages = (ctx: ToolContext, mailbox: string, limit: number) =>
  withMailbox(ctx, mailbox, async (client) =>
    summaries(client, (await client.search({ all: true }, { uid: true })) || [], limit),
  );

export interface SearchCriteria {
  text?: string;
  from?: string;
  since?: string;
  unseen?: boolean;
}

export const searchMessages = (ctx: ToolContext, mailbox: string, c: SearchCriteria, limit: number) =>
  withMailbox(ctx, mailbox, async (client) => {
    const query: SearchObject = {};
    if (c.text) query.or = [{ subject: c.text }, { body: c.text }];
    if (c.from) query.from = c.from;
    if (c.since) query.since = new Date(c.since);
    if (c.unseen) query.seen = false;
    if (Object.keys(query).length === 0) query.all = true;
    return summaries(client, (await client.search(query, { uid: true })) || [], limit);
  });

export interface FullMessage extends MessageSummary {
  to: string;
  text: string;
  truncated: boolean;
  attachments: { filename?: string; contentType: string; size: number }[];
}

export const readMessage = (ctx: ToolContext, mailbox: string, uid: number) =>
  withMailbox(ctx, mailbox, async (client): Promise<FullMessage | undefined> => {
    const head = await client.fetchOne(
      String(uid),
      { uid: true, envelope: true, flags: true, size: true },
      { uid: true },
    );
    if (!head) return undefined;
    if ((head.size ?? 0) > MAX_MESSAGE_BYTES)
      throw new MessageTooLargeError(
        `message ${uid} is ${head.size} bytes, above the ${MAX_MESSAGE_BYTES} byte limit`,
      );
    const full = await client.fetchOne(String(uid), { source: true }, { uid: true });
    if (!full || !full.source) return undefined;
    const parsed = await simpleParser(full.source);
    const text = parsed.text ?? (typeof parsed.html === 'string' ? parsed.html.replace(/<[^>]+>/g, ' ') : '');
    return {
      ...summary(head),
      to: [parsed.to ?? []]
        .flat()
        .map((a) => a.text)
        .join(', '),
      text: text.slice(0, MAX_TEXT_CHARS),
      truncated: text.length > MAX_TEXT_CHARS,
      attachments: parsed.attachments.map((a) => ({
        ...(a.filename ? { filename: a.filename } : {}),
        contentType: a.contentType,
        size: a.size,
      })),
    };
  });

export class MessageTooLargeError extends Error {}
