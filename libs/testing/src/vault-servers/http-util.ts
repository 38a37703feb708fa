/** Small HTTP helpers shared by the vault wire-protocol servers. */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SelfSigned } from '../search-servers/tls.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void> | void;

export interface RecordedCall {
  method: string;
  path: string;
  status: number;
  /** What the server decided about the caller (e.g. the principal or "denied: <why>"). */
  note?: string;
}

export async function readBody(req: IncomingMessage, max = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text && { 'content-type': 'application/json' }), ...headers });
  res.end(text);
}

export async function listen(
  handler: Handler,
  tls?: SelfSigned,
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const wrapped = (req: IncomingMessage, res: ServerResponse) => {
    readBody(req)
      .then((body) => handler(req, res, body))
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(error) });
      });
  };
  const server = tls
    ? createHttpsServer({ key: tls.key, cert: tls.cert }, wrapped)
    : createHttpServer(wrapped);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
