/**
 * A local Stripe-compatible HTTP server for the endpoints the control plane calls: products and
 * prices (create, retrieve, update, list by lookup_keys), checkout sessions, billing portal
 * sessions, subscriptions and customers (retrieve), and payment intents, refunds and the balance
 * (the engine's payments plugin). Point the Stripe SDK at it with
 * host/port/protocol. API-key auth as Stripe checks it (Bearer, or Basic with the key as user
 * name; a missing or unknown key is a 401), several keys each standing for its own account (own
 * payments ledger; the request log names the account), Stripe-shaped errors, Idempotency-Key
 * replay (per account), and a request log for assertions. A minimal hosted checkout page lets a browser "pay".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Stripe from 'stripe';
import { decodeStripeForm } from './form-decode.js';
import { PaymentsLedger } from './payments-ledger.js';
import { StripeApiError, StripeStore, type Obj, type StripeEventObject } from './stripe-store.js';
import { WebhookEmitter } from './webhook-emitter.js';

export interface StripeServerOptions {
  /** The secret key of the primary account, `acct_default` (default `sk_test_cw_local`). */
  secretKey?: string;
  /**
   * More accepted secret keys, key → account id (e.g. a user's own key, a group's, the org's):
   * each account has its own payments ledger, and every recorded request names its account.
   */
  accounts?: Record<string, string>;
  /** Where the hosted checkout page delivers the resulting events, signed with `secret`. */
  webhook?: { url: string; secret: string };
}

export interface RecordedRequest {
  method: string;
  path: string;
  params: Obj;
  idempotencyKey?: string;
  /** The account whose key authenticated the request. */
  account: string;
}

export interface StripeTestServer {
  url: string;
  port: number;
  secretKey: string;
  store: StripeStore;
  /** Payment intents, refunds and balance of the primary account (the engine's payments plugin). */
  payments: PaymentsLedger;
  /** The payments ledger of an account (`acct_default` for `secretKey`, else from `accounts`). */
  ledger(account: string): PaymentsLedger;
  requests: RecordedRequest[];
  /** For the control plane's `apiBase`. */
  apiBase: string;
  close(): Promise<void>;
  /** Events the hosted checkout page produced (and delivered when `webhook` is set). */
  hostedEvents: StripeEventObject[];
}

type Handler = (params: Obj, match: RegExpExecArray, payments: PaymentsLedger) => Obj;

const DEFAULT_ACCOUNT = 'acct_default';

/** The API key of a request as Stripe reads it: `Bearer <key>`, or Basic auth with the key as user name. */
function apiKeyOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const user = decoded.split(':')[0];
  return user || undefined;
}

export async function startStripeServer(options: StripeServerOptions = {}): Promise<StripeTestServer> {
  const secretKey = options.secretKey ?? 'sk_test_cw_local';
  const keys = new Map<string, string>([
    [secretKey, DEFAULT_ACCOUNT],
    ...Object.entries(options.accounts ?? {}),
  ]);
  let baseUrl = '';
  const store = new StripeStore(() => baseUrl, Stripe.API_VERSION);
  const ledgers = new Map<string, PaymentsLedger>();
  const ledger = (account: string) => {
    let found = ledgers.get(account);
    if (!found) ledgers.set(account, (found = new PaymentsLedger(() => store.now())));
    return found;
  };
  const payments = ledger(DEFAULT_ACCOUNT);
  const requests: RecordedRequest[] = [];
  const hostedEvents: StripeEventObject[] = [];
  const idempotent = new Map<string, { status: number; body: string }>();
  const emitter = options.webhook
    ? new WebhookEmitter(options.webhook.secret, options.webhook.url)
    : undefined;

  // Products, prices, sessions: the platform's own account (the control plane); payments: the
  // account of the key that came with the request.
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
    ['POST', /^\/v1\/payment_intents$/, (p, _m, ledger) => ledger.createPaymentIntent(p)],
    ['GET', /^\/v1\/payment_intents\/([^/]+)$/, (_p, m, ledger) => ledger.getPaymentIntent(m[1]!)],
    ['POST', /^\/v1\/refunds$/, (p, _m, ledger) => ledger.createRefund(p)],
    ['GET', /^\/v1\/balance$/, (_p, _m, ledger) => ledger.getBalance()],
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
    const apiKey = apiKeyOf(req.headers.authorization);
    if (!apiKey)
      return send(
        res,
        401,
        JSON.stringify({
          error: {
            type: 'invalid_request_error',
            message:
              "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
          },
        }),
      );
    if (apiKey.startsWith('pk_'))
      return send(
        res,
        401,
        JSON.stringify({
          error: {
            type: 'invalid_request_error',
            message: 'This API call cannot be made with a publishable API key. Please use a secret API key.',
          },
        }),
      );
    const account = keys.get(apiKey);
    // Unlike Stripe, the answer never shows any part of the key (it may reach a log).
    if (!account)
      return send(
        res,
        401,
        JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } }),
      );
    const raw = await readBody(req);
    const params = req.method === 'GET' ? decodeStripeForm(query.toString()) : decodeStripeForm(raw);
    const key =
      typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    requests.push({
      method: req.method ?? 'GET',
      path,
      params,
      account,
      ...(key ? { idempotencyKey: key } : {}),
    });
    if (key && req.method === 'POST') {
      const cached = idempotent.get(`${account} ${path} ${key}`);
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
        body = JSON.stringify(route[2](params, route[1].exec(path)!, ledger(account)));
      } catch (error) {
        if (!(error instanceof StripeApiError)) throw error;
        status = error.status;
        body = JSON.stringify({
          error: { type: error.type, message: error.message, param: error.param, code: error.code },
        });
      }
    }
    if (key && req.method === 'POST') idempotent.set(`${account} ${path} ${key}`, { status, body });
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
    ledger,
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
