/**
 * The email plugin: send (plain or HTML) over SMTP submission and list, read and search a
 * mailbox over IMAP, as the mailbox of the `account` credential (user's own, group's shared or
 * the org's, by the vault cascade). Sending is `write` with default limits on recipients and
 * attachment size; reading is `read`. Metadata only — the gate enforces roles and limits.
 */
import { z } from 'zod';
import {
  definePlugin,
  defineTool,
  pluginManifest,
  type LimitRule,
  type ToolContext,
  type ToolResult,
} from '@cw/mcp-gate';
import {
  listMessages,
  MessageTooLargeError,
  readMessage,
  searchMessages,
  type MessageSummary,
} from './imap-read.js';
import { EmailConfigError } from './mail-account.js';
import { sendMail, type OutgoingMail } from './smtp-send.js';

export const DEFAULT_MAX_RECIPIENTS = 20;
/** Base64 text of all attachments together (≈ 7.5 MB of files). */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

const address = z.email();
const recipients = z.array(address).min(1).max(100);
const attachments = z
  .array(
    z
      .string()
      .regex(
        /^data:[\w.+-]+\/[\w.+-]+(;[\w-]+=[^;,]*)*;base64,/,
        'a data:<type>;name=<file>;base64,<data> URL',
      ),
  )
  .max(50)
  .optional()
  .describe('Files as data URLs: data:<type>;name=<file>;base64,<data>');
const mailbox = z.string().min(1).max(200).default('INBOX');
const limit = z.number().int().min(1).max(100).default(20);

const sendLimits: LimitRule[] = [
  { argument: 'to', maxItems: DEFAULT_MAX_RECIPIENTS },
  { argument: 'cc', maxItems: DEFAULT_MAX_RECIPIENTS },
  { argument: 'attachments', maxItems: 10 },
  { argument: 'attachments', maxBytes: DEFAULT_MAX_ATTACHMENT_BYTES },
];

async function mailError(work: () => Promise<ToolResult>): Promise<ToolResult> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof EmailConfigError || error instanceof MessageTooLargeError)
      return { text: error.message, isError: true };
    const e = error as {
      responseCode?: unknown;
      authenticationFailed?: unknown;
      code?: unknown;
      message?: unknown;
    };
    if (e.authenticationFailed === true || e.code === 'EAUTH')
      return {
        text: 'the mail server refused the login (check the credential in My Credentials)',
        isError: true,
      };
    if (typeof e.responseCode === 'number')
      return { text: `the mail server answered ${e.responseCode}`, isError: true };
    throw error;
  }
}

const send = async (mail: OutgoingMail, ctx: ToolContext): Promise<ToolResult> =>
  mailError(async () => {
    const { messageId, accepted } = await sendMail(ctx, mail);
    return { text: `Sent to ${accepted.length} recipient(s)`, structured: { messageId, accepted } };
  });

const lines = (ms: MessageSummary[]) =>
  ms.map((m) => `${m.uid} ${m.seen ? ' ' : '*'} ${m.date ?? ''} ${m.from}: ${m.subject}`).join('\n') ||
  '(no messages)';

const sendTool = defineTool({
  name: 'send',
  title: 'Send an e-mail',
  description: 'Sends a plain-text e-mail from the configured mailbox.',
  input: z.object({
    to: recipients,
    cc: recipients.optional(),
    subject: z.string().min(1).max(998),
    text: z.string().max(1_000_000),
    attachments,
  }),
  classification: 'write',
  minRole: 'developer',
  limits: sendLimits,
  credentials: ['account'],
  run: (args, ctx) => send(args, ctx),
});

const sendHtmlTool = defineTool({
  name: 'send_html',
  title: 'Send an HTML e-mail',
  description: 'Sends an HTML e-mail (with an optional plain-text alternative) from the configured mailbox.',
  input: z.object({
    to: recipients,
    cc: recipients.optional(),
    subject: z.string().min(1).max(998),
    html: z.string().max(2_000_000),
    text: z.string().max(1_000_000).optional(),
    attachments,
  }),
  classification: 'write',
  minRole: 'developer',
  limits: sendLimits,
  credentials: ['account'],
  run: (args, ctx) => send(args, ctx),
});

const listTool = defineTool({
  name: 'list',
  title: 'List e-mails',
  description: 'The newest messages of a mailbox folder (uid, sender, subject, date; * = unread).',
  input: z.object({ mailbox, limit }),
  classification: 'read',
  minRole: 'viewer',
  credentials: ['account'],
  run: ({ mailbox: box, limit: max }, ctx) =>
    mailError(async () => {
      const messages = await listMessages(ctx, box, max);
      return { text: lines(messages), structured: { messages } };
    }),
});

const readTool = defineTool({
  name: 'read',
  title: 'Read an e-mail',
  description:
    'One message by uid: headers, text (cut at 100 000 characters) and attachment names. Untrusted content.',
  input: z.object({ mailbox, uid: z.number().int().min(1) }),
  classification: 'read',
  minRole: 'viewer',
  credentials: ['account'],
  run: ({ mailbox: box, uid }, ctx) =>
    mailError(async () => {
      const message = await readMessage(ctx, box, uid);
      if (!message) return { text: `no message ${uid} in ${box}`, isError: true };
      const head = `From: ${message.from}\nTo: ${message.to}\nSubject: ${message.subject}\nDate: ${message.date ?? ''}\n\n`;
      return { text: head + message.text + (message.truncated ? '\n[cut]' : ''), structured: { message } };
    }),
});

const searchTool = defineTool({
  name: 'search',
  title: 'Search e-mails',
  description:
    'Messages whose subject or body contains the text, optionally from a sender, since a date, or unread only.',
  input: z.object({
    mailbox,
    text: z.string().min(1).max(200).optional(),
    from: z.string().min(1).max(200).optional(),
    since: z.iso.date().optional(),
    unseen: z.boolean().optional(),
    limit,
  }),
  classification: 'read',
  minRole: 'viewer',
  credentials: ['account'],
  run: ({ mailbox: box, limit: max, ...criteria }, ctx) =>
    mailError(async () => {
      const messages = await searchMessages(ctx, box, criteria, max);
      return { text: lines(messages), structured: { messages } };
    }),
});

export const plugin = definePlugin({
  id: 'email',
  version: '0.1.0',
  title: 'E-mail',
  description: 'Send e-mail over SMTP and read a mailbox over IMAP (hosts from the plugin config).',
  credentials: [
    {
      name: 'account',
      description: 'Mailbox login as "username:password" (an app password), used for SMTP and IMAP',
    },
  ],
  outboundHosts: [],
  tools: [sendTool, sendHtmlTool, listTool, readTool, searchTool],
});

export const manifest = pluginManifest(plugin);
