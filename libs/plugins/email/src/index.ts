export { plugin, manifest, DEFAULT_MAX_RECIPIENTS, DEFAULT_MAX_ATTACHMENT_BYTES } from './email.plugin.js';
export { emailConfigSchema, EmailConfigError } from './mail-account.js';
export { MAX_MESSAGE_BYTES, MAX_TEXT_CHARS } from './imap-read.js';
