/**
 * A small local travel API (the contract is documented in docs/plugins.md, "travel"): flight
 * search, offers that expire, bookings with Idempotency-Key replay and a price guard, and
 * cancellation. Bearer API keys map to agency accounts; each booking records the account whose
 * key made it, so tests can tell which credential of the cascade reached the server.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface TravelOffer {
  id: string;
  from: string;
  to: string;
  date: string;
  departAt: string;
  arriveAt: string;
  carrier: string;
  flightNumber: string;
  price: { amount: number; currency: string };
  seatsLeft: number;
  expiresAt: string;
}

export interface TravelBooking {
  id: string;
  offerId: string;
  status: 'confirmed' | 'cancelled';
  account: string;
  passengers: { name: string; email: string }[];
  total: { amount: number; currency: string };
  createdAt: string;
}

export interface TravelRecordedRequest {
  method: string;
  path: string;
  account?: string;
  status: number;
}

export interface TravelServerOptions {
  /** API key → account name. */
  apiKeys: Record<string, string>;
  /** How long an offer stays bookable (default 15 min). */
  offerTtlMs?: number;
}

export interface TravelTestServer {
  url: string;
  requests: TravelRecordedRequest[];
  bookings: Map<string, TravelBooking>;
  offers: Map<string, TravelOffer>;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const CARRIERS = ['CW', 'LX', 'BA', 'LH'];
const IATA = /^[A-Z]{3}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Deterministic prices per route and date, so tests can rely on them. */
function priceFor(from: string, to: string, date: string, i: number): number {
  const h = createHash('sha256').update(`${from}${to}${date}${i}`).digest();
  return 120 + (h.readUInt16BE(0) % 1800) + i * 35;
}

export async function startTravelServer(options: TravelServerOptions): Promise<TravelTestServer> {
  const ttl = options.offerTtlMs ?? 15 * 60 * 1000;
  const offers = new Map<string, TravelOffer>();
  const bookings = new Map<string, TravelBooking>();
  const idempotent = new Map<string, { status: number; body: unknown }>();
  const requests: TravelRecordedRequest[] = [];
  let seq = 0;

  function search(q: URLSearchParams): { offers: TravelOffer[] } {
    const from = q.get('from') ?? '';
    const to = q.get('to') ?? '';
    const date = q.get('date') ?? '';
    const adults = Number(q.get('adults') ?? '1');
    if (!IATA.test(from)) throw new ApiError(400, 'invalid_parameter', 'from: a 3-letter IATA code');
    if (!IATA.test(to)) throw new ApiError(400, 'invalid_parameter', 'to: a 3-letter IATA code');
    if (!DATE.test(date)) throw new ApiError(400, 'invalid_parameter', 'date: YYYY-MM-DD');
    if (!Number.isInteger(adults) || adults < 1 || adults > 9)
      throw new ApiError(400, 'invalid_parameter', 'adults: 1–9');
    const found = CARRIERS.map((carrier, i) => {
      const offer: TravelOffer = {
        id: `off_${++seq}`,
        from,
        to,
        date,
        departAt: `${date}T${String(7 + i * 3).padStart(2, '0')}:00:00Z`,
        arriveAt: `${date}T${String(10 + i * 3).padStart(2, '0')}:30:00Z`,
        carrier,
        flightNumber: `${carrier}${100 + i}`,
        price: { amount: priceFor(from, to, date, i) * adults, currency: 'EUR' },
        seatsLeft: 9,
        expiresAt: new Date(Date.now() + ttl).toISOString(),
      };
      offers.set(offer.id, offer);
      return offer;
    });
    return { offers: found };
  }

  function offer(id: string): TravelOffer {
    const o = offers.get(id);
    if (!o) throw new ApiError(404, 'offer_not_found', `no offer ${id}`);
    if (Date.parse(o.expiresAt) <= Date.now())
      throw new ApiError(410, 'offer_expired', `offer ${id} has expired`);
    return o;
  }

  function book(account: string, body: Record<string, unknown>): TravelBooking {
    const o = offer(String(body.offerId ?? ''));
    const passengers = body.passengers;
    if (!Array.isArray(passengers) || passengers.length < 1 || passengers.length > 9)
      throw new ApiError(400, 'invalid_parameter', 'passengers: 1–9 passengers');
    for (const [i, p] of passengers.entries()) {
      const { name, email } = (p ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || !name)
        throw new ApiError(400, 'invalid_parameter', `passengers[${i}].name`);
      if (typeof email !== 'string' || !email.includes('@'))
        throw new ApiError(400, 'invalid_parameter', `passengers[${i}].email`);
    }
    if (passengers.length > o.seatsLeft) throw new ApiError(409, 'sold_out', 'not enough seats left');
    const total = o.price.amount;
    if (typeof body.maxPrice === 'number' && total > body.maxPrice)
      throw new ApiError(409, 'price_above_max', `the price is ${total} ${o.price.currency}, above maxPrice`);
    o.seatsLeft -= passengers.length;
    const booking: TravelBooking = {
      id: `bkg_${++seq}`,
      offerId: o.id,
      status: 'confirmed',
      account,
      passengers: passengers as TravelBooking['passengers'],
      total: { amount: total, currency: o.price.currency },
      createdAt: new Date().toISOString(),
    };
    bookings.set(booking.id, booking);
    return booking;
  }

  function cancel(account: string, id: string): TravelBooking {
    const b = bookings.get(id);
    if (!b || b.account !== account) throw new ApiError(404, 'booking_not_found', `no booking ${id}`);
    if (b.status === 'cancelled')
      throw new ApiError(409, 'already_cancelled', `booking ${id} is already cancelled`);
    b.status = 'cancelled';
    const o = offers.get(b.offerId);
    if (o) o.seatsLeft += b.passengers.length;
    return b;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const account = key ? options.apiKeys[key] : undefined;
    const send = (status: number, body: unknown) => {
      requests.push({ method, path: url.pathname, status, ...(account ? { account } : {}) });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!account) return send(401, { error: { code: 'unauthorized', message: 'invalid API key' } });
    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return send(400, { error: { code: 'invalid_json', message: 'the body is not JSON' } });
      }
    }
    const idem = req.headers['idempotency-key'];
    const idemKey = typeof idem === 'string' ? `${account} ${method} ${url.pathname} ${idem}` : undefined;
    if (idemKey && idempotent.has(idemKey)) {
      const cached = idempotent.get(idemKey)!;
      return send(cached.status, cached.body);
    }
    let status = 200;
    let out: unknown;
    try {
      let m: RegExpExecArray | null;
      if (method === 'GET' && url.pathname === '/v1/flights') out = search(url.searchParams);
      else if (method === 'GET' && (m = /^\/v1\/offers\/([\w-]+)$/.exec(url.pathname))) out = offer(m[1]!);
      else if (method === 'POST' && url.pathname === '/v1/bookings') {
        out = book(account, body);
        status = 201;
      } else if (method === 'GET' && (m = /^\/v1\/bookings\/([\w-]+)$/.exec(url.pathname))) {
        const b = bookings.get(m[1]!);
        if (!b || b.account !== account) throw new ApiError(404, 'booking_not_found', `no booking ${m[1]}`);
        out = b;
      } else if (method === 'POST' && (m = /^\/v1\/bookings\/([\w-]+)\/cancel$/.exec(url.pathname)))
        out = cancel(account, m[1]!);
      else throw new ApiError(404, 'not_found', `no route ${method} ${url.pathname}`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status = error.status;
      out = { error: { code: error.code, message: error.message } };
    }
    if (idemKey && method === 'POST') idempotent.set(idemKey, { status, body: out });
    send(status, out);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'internal', message: String(error) } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    bookings,
    offers,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
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
