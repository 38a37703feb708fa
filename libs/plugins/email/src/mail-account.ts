/**
 * What every email tool needs before it opens a socket: the mailbox login from the `account`
 * credential (`username:password`, so user, group and org mailboxes resolve as one value and
 * never mix), the server settings from the plugin config, and an address the outbound guard
 * accepted. SMTP and IMAP are TCP, not fetch: the guard's address rules are applied here and
 * the socket connects to the checked address (no second DNS answer can swap it).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { ToolContext } from '@cw/mcp-gate';
import { emailPluginConfigSchema, mailServerConfigSchema } from '@cw/tenant-model';
import { checkOutboundUrl, resolvePublic, type OutboundPolicy } from '@cw/outbound';

/**
 * The config schemas are the Tenant's (`spec.engines[].pluginConfig.email`, @cw/tenant-model):
 * host, port, `secure` (implicit TLS, 465 / 993; without it STARTTLS when offered). Strict.
 */
export const serverSchema = mailServerConfigSchema;
export const emailConfigSchema = emailPluginConfigSchema;
export type MailServer = z.infer<typeof serverSchema>;

/** The plugin config is wrong (names the field); the engine's operator fixes it, not the user. */
export class EmailConfigError extends Error {}

export function emailConfig(ctx: ToolContext, which: 'smtp' | 'imap'): MailServer {
  const parsed = serverSchema.safeParse(ctx.config[which]);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new EmailConfigError(`email plugin config: ${[which, ...issue.path].join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

export interface MailLogin {
  user: string;
  pass: string;
  /** The address mail is sent from: the login when it is an address, else the caller's e-mail. */
  address: string;
}

export async function mailLogin(ctx: ToolContext): Promise<MailLogin> {
  const value = await ctx.credential('account');
  const at = value.indexOf(':');
  // Never echo the value: the message says what shape is expected.
  if (at <= 0 || at === value.length - 1)
    throw new EmailConfigError('the "account" credential must be "username:password"');
  const user = value.slice(0, at);
  return { user, pass: value.slice(at + 1), address: user.includes('@') ? user : ctx.user.email };
}

/**
 * The engine's outbound policy (the gate hands every tool the engine config's allowlisted test
 * hosts and its timeout); without it the strict default applies (public addresses only).
 */
export const outboundPolicy = (ctx: ToolContext): OutboundPolicy => ctx.outboundPolicy ?? {};

/** The address to connect to, after the guard's checks; refuses like guardedFetch does. */
export async function guardedAddress(server: MailServer, policy: OutboundPolicy): Promise<string> {
  const hostInUrl = isIP(server.host) === 6 ? `[${server.host}]` : server.host;
  // Same rules as fetch: loopback/private/link-local/metadata refused unless "host:port" is allowlisted.
  await checkOutboundUrl(`http://${hostInUrl}:${server.port}`, policy);
  if (isIP(server.host) || (policy.allowHosts ?? []).includes(`${server.host}:${server.port}`))
    return server.host;
  const [first] = await resolvePublic(server.host, policy);
  return first!.address;
}
