/**
 * A local Stripe-compatible HTTP server for the endpoints the control plane calls: products and
 * prices (create, retrieve, update, list by lookup_keys), checkout sessions, billing portal
 * sessions, subscriptions and customers (retrieve), and payment intents, refunds and the balance
 * (the engine's payments plugin). Point the Stripe SDK at it with
 * host/port/protocol. Bearer-key auth, Stripe-shaped errors, Idempotency-Key replay, and a
 * request log for assertions. A minimal hosted checkout page lets a browser "pay".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Stripe from 'stripe';
import { decodeStripeForm } from './form-decode.js';
import { PaymentsLedger } from './payments-ledger.js';
import { StripeApiError, StripeStore, type Obj, type StripeEventObject } from './stripe-store.js';
import { WebhookEmitter } from './webhook-emitter.js';

export interface StripeServerOptions {
  /** The secret key clients must send (default `sk_test_cw_local`). */
  secretKey?: string;
  /** Where the hosted checkout page delivers the resulting events, signed with `secret`. */
  webhook?: { url: string; secret: string };
}

export interface RecordedRequest {
  method: string;
  path: string;
  params: Obj;
  idempotencyKey?: string;
}

export interface StripeTestServer {
  url: string;
  port: number;
  secretKey: string;
  store: StripeStore;
  /** Payment intents, refunds and balance (the engine's payments plugin). */
  payments: PaymentsLedger;
  requests: RecordedRequest[];
  /** For the control plane's `apiBase`. */
  apiBase: string;
  close(): Promise<void>;
  /** Events the hosted checkout page produced (and delivered when `webhook` is set). */
  hostedEvents: StripeEventObject[];
}

type Handler = (params: Obj, match: RegExpExecArray) => Obj;

export async function startStripeServer(options: StripeServerOptions = {}): Promise<StripeTestServer> {
  const secretKey = options.secretKey ?? 'sk_test_cw_local';
  let baseUrl = '';
  const store = new StripeStore(() => baseUrl, Stripe.API_VERSION);
  const payments = new PaymentsLedger(() => store.now());
  const requests: RecordedRequest[] = [];
  const hostedEvents: StripeEventObject[] = [];
  const idempotent = new Map<string, { status: number; body: string }>();
  const emitter = options.webhook
    ? new WebhookEmitter(options.webhook.secret, options.webhook.url)
    : undefined;

  const routes: [string, RegExp, Handler][] = [
    ['POST', /^\/v1\/products$/, (p) => store.createProduct(p)],
    ['GET', /^\/v1\/products\/([^/]+)$/, (_p, m) => store.get(store.products, m[1]!, 'product')],
    ['POST', /^\/v1\/products\/([^/]+)$/, (p, m) => store.updateProduct(m[1]!, p)],
    ['POST', /^\/v1\/prices$/, (p) => store.createPrice(p)],
    ['GET', /^\/v1\/prices$/, (p) => store.listPrices(p)],
    ['GET', /^\/v1\/prices\/([^/]+)$/, (_p, m) => store.get(store.prices, m[1]!, 'price')],
    ['POST', /^\/v1\/prices\/([^/]+)$/, (p, m) => store.updatePrice(m[1]!, p)],
    ['POST', /^\/v1\/checkout\/sessions$/, (p) => store.createCheckoutSession(p)],
    [
      'GET',
      /^\/v1\/checkout\/sessions\/([^/]+)$/,
      (_p, m) => store.publicSession(store.get(store.sessions, m[1]!, 'checkout.session')),
    ],
    ['POST', /^\/v1\/billing_portal\/sessions$/, (p) => store.createPortalSession(p)],
    [
      'GET',
      /^\/v1\/subscriptions\/([^/]+)$/,
      (_p, m) => store.get(store.subscriptions, m[1]!, 'subscription'),
    ],
    ['GET', /^\/v1\/customers\/([^/]+)$/, (_p, m) => store.get(store.customers, m[1]!, 'customer')],
    ['POST', /^\/v1\/payment_intents$/, (p) => payments.createPaymentIntent(p)],
    ['GET', /^\/v1\/payment_intents\/([^/]+)$/, (_p, m) => payments.getPaymentIntent(m[1]!)],
    ['POST', /^\/v1\/refunds$/, (p) => payments.createRefund(p)],
    ['GET', /^\/v1\/balance$/, () => payments.getBalance()],
  ];

  const send = (res: ServerResponse, status: number, body: string, type = 'application/json') => {
    res.writeHead(status, {
      'content-type': type,
      'request-id': `req_${Date.now()}`,
      'stripe-version': Stripe.API_VERSION,
    });
    res.end(body);
  };

  async function api(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) {
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${secretKey}`) {
      return send(
        res,
        401,
        JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } }),
      );
    }
    const raw = await readBody(req);
    const params = req.method === 'GET' ? decodeStripeForm(query.toString()) : decodeStripeForm(raw);
    const key =
      typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    requests.push({ method: req.method ?? 'GET', path, params, ...(key ? { idempotencyKey: key } : {}) });
    if (key && req.method === 'POST') {
      const cached = idempotent.get(`${path} ${key}`);
      if (cached) return send(res, cached.status, cached.body);
    }
    const route = routes.find(([method, re]) => method === req.method && re.test(path));
    let status = 200;
    let body: string;
    if (!route) {
      status = 404;
      body = JSON.stringify({
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${req.method}: ${path}).`,
        },
      });
    } else {
      try {
        body = JSON.stringify(route[2](params, route[1].exec(path)!));
      } catch (error) {
        if (!(error instanceof StripeApiError)) throw error;
        status = error.status;
        body = JSON.stringify({
          error: { type: error.type, message: error.message, param: error.param, code: error.code },
        });
      }
    }
    if (key && req.method === 'POST') idempotent.set(`${path} ${key}`, { status, body });
    send(res, status, body);
  }

  /** The hosted checkout page: one button; paying completes the session and sends its events. */
  async function hosted(req: IncomingMessage, res: ServerResponse, sessionId: string) {
    const session = store.sessions.get(sessionId);
    if (!session)
      return send(
        res,
        404,
        '<!doctype html><title>Not found</title><p>No such checkout session.',
        'text/html',
      );
    if (req.method === 'POST') {
      await readBody(req);
      if (session.status !== 'complete') {
        const { events } = store.completeCheckout(sessionId);
        hostedEvents.push(...events);
        if (emitter) for (const event of events) await emitter.deliver(event);
      }
      res.writeHead(303, { location: String(session.success_url) });
      return res.end();
    }
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test checkout</title></head>
<body><main><h1>Test checkout</h1><p>Subscription for ${escape(String(session.customer_email ?? ''))}</p>
<form method="post"><button type="submit">Pay</button></form></main></body></html>`;
    send(res, 200, html, 'text/html; charset=utf-8');
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const hostedMatch = /^\/checkout\/([^/]+)$/.exec(url.pathname);
    const work = hostedMatch
      ? hosted(req, res, hostedMatch[1]!)
      : api(req, res, url.pathname, url.searchParams);
    work.catch((error: unknown) => {
      if (!res.headersSent)
        send(res, 500, JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    apiBase: baseUrl,
    port,
    secretKey,
    store,
    payments,
    requests,
    hostedEvents,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The SDK keeps connections alive; without this, close waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
