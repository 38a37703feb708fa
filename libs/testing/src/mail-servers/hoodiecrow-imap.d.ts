// hoodiecrow-imap ships no types: the part of its API the local IMAP server uses.
declare module 'hoodiecrow-imap' {
  import type { Server } from 'node:net';
  interface HoodiecrowMessage {
    raw: string;
    flags?: string[];
    internaldate?: string;
  }
  interface HoodiecrowOptions {
    plugins?: string[];
    users?: Record<string, { password: string }>;
    storage?: Record<string, { messages?: HoodiecrowMessage[]; folders?: Record<string, unknown> }>;
    debug?: boolean;
  }
  type CommandHandler = (connection: unknown, parsed: unknown, data: unknown, callback: () => void) => void;
  interface HoodiecrowServer {
    server: Server;
    listen(port: number, host: string, callback: () => void): void;
    close(callback?: () => void): void;
    appendMessage(mailbox: string, flags: string[], internaldate: string | undefined, raw: string): unknown;
    getCommandHandler(command: string): CommandHandler;
    setCommandHandler(command: string, handler: CommandHandler): void;
  }
  export default function hoodiecrow(options: HoodiecrowOptions): HoodiecrowServer;
}
