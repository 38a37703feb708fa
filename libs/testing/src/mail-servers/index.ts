export {
  startSmtpServer,
  type SmtpServerOptions,
  type SmtpTestServer,
  type SmtpReceived,
} from './smtp-server.js';
export {
  startImapServer,
  rfc822,
  type ImapServerOptions,
  type ImapTestServer,
  type ImapSeedMessage,
} from './imap-server.js';
