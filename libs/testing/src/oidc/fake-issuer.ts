/**
 * A misbehaving "identity provider" for connection-validation tests: serves whatever discovery
 * document (or garbage, or silence) a test describes. For a well-behaved one use
 * startOidcProvider.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeIssuerReply =
  | { json: unknown; status?: number }
  | { body: string; status?: number; contentType?: string }
  /** Never answers: for timeouts. */
  | 'hang';

export interface FakeIssuer {
  /** `http://127.0.0.1:<port>` — use it as the issuer the user "entered". */
  readonly url: string;
  stop(): Promise<void>;
}

/** `reply` gets the request path and the fake's own URL (to put in documents). */
export async function startFakeIssuer(
  reply: (path: string, url: string) => FakeIssuerReply,
): Promise<FakeIssuer> {
  let url = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const answer = reply((req.url ?? '/').split('?')[0] ?? '/', url);
    if (answer === 'hang') return;
    res.statusCode = answer.status ?? 200;
    if ('json' in answer) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer.json));
    } else {
      res.setHeader('content-type', answer.contentType ?? 'application/json');
      res.end(answer.body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nobody listens on (for "unreachable"). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
