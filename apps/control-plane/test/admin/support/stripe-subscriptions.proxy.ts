/**
 * In front of the shared Stripe-compatible test server: adds the two subscription writes the
 * admin API makes — `POST /v1/subscriptions/:id` (change price/quantity) and
 * `DELETE /v1/subscriptions/:id` (cancel) — by driving the server's own store, and keeps the
 * webhook events Stripe would send so the test delivers them. Everything else is forwarded.
 * (The shared server handles only retrieve; see the report to add these there.)
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { decodeStripeForm, type StripeEventObject, type StripeTestServer } from '@cw/testing/stripe';

export interface SubscriptionsProxy {
  url: string;
  /** Events produced by subscription writes, oldest first. */
  events: StripeEventObject[];
  /** Idempotency keys seen on writes. */
  keys: string[];
  close(): Promise<void>;
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export async function startSubscriptionsProxy(stripe: StripeTestServer): Promise<SubscriptionsProxy> {
  const events: StripeEventObject[] = [];
  const keys: string[] = [];
  const answered = new Map<string, string>();
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_proxy_${Date.now()}` });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const match = /^\/v1\/subscriptions\/([^/]+)$/.exec(path);
    if (match && (req.method === 'POST' || req.method === 'DELETE')) {
      void (async () => {
        const body = await read(req);
        if (req.headers.authorization !== `Bearer ${stripe.secretKey}`)
          return send(res, 401, {
            error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' },
          });
        const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : '';
        if (key) keys.push(key);
        const replay = answered.get(`${req.method} ${path} ${key}`);
        if (key && replay) return send(res, 200, JSON.parse(replay));
        const id = match[1]!;
        if (!stripe.store.subscriptions.has(id))
          return send(res, 404, {
            error: {
              type: 'invalid_request_error',
              message: `No such subscription: '${id}'`,
              code: 'resource_missing',
            },
          });
        if (req.method === 'DELETE') events.push(stripe.store.cancelSubscription(id));
        else {
          const params = decodeStripeForm(body) as { items?: { price?: string; quantity?: string }[] };
          const item = params.items?.[0];
          const lookupKey = item?.price
            ? (stripe.store.prices.get(item.price)?.lookup_key as string | undefined)
            : undefined;
          events.push(
            stripe.store.updateSubscription(id, {
              lookupKey,
              quantity: item?.quantity ? Number(item.quantity) : undefined,
            }),
          );
        }
        const result = JSON.stringify(stripe.store.subscriptions.get(id));
        if (key) answered.set(`${req.method} ${path} ${key}`, result);
        send(res, 200, JSON.parse(result));
      })().catch((error: unknown) =>
        send(res, 500, { error: { type: 'api_error', message: String(error) } }),
      );
      return;
    }
    const upstream = request(
      `${stripe.url}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => send(res, 502, { error: { type: 'api_error', message: String(error) } }));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    events,
    keys,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
