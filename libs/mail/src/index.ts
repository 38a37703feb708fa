export * from './mail.port.js';
export * from './mailer.factory.js';
export * from './html.js';
export {
  OutboxMailer,
  readOutbox,
  extractLinks,
  type OutboxMessage,
  type OutboxOptions,
} from './adapters/outbox.mailer.js';
export { SmtpMailer, type SmtpOptions } from './adapters/smtp.mailer.js';
export {
  AcsMailer,
  createAcsClient,
  senderAddress,
  type AcsClient,
  type AcsOptions,
} from './adapters/acs.mailer.js';
