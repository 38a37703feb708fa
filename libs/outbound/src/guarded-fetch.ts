/**
 * The one way the platform fetches a URL a customer gave it (issuer URLs, plugin endpoints, document
 * URLs for knowledge ingest).
 *
 * - Each hop is checked before it is sent: http/https only, no credentials in the URL, no metadata
 *   host names, and IP literals judged by {@link classifyAddress}.
 * - Host names are resolved inside the socket's own `lookup`, and every resolved address is judged
 *   there: the address that was checked is the address connected to, so a DNS answer that changes
 *   between check and connect (rebinding) cannot slip through.
 * - Redirects are followed by hand (`redirect: 'manual'` underneath), so every hop goes through the
 *   same check; at most `maxRedirects`.
 * - One deadline for the whole call (all hops and the body) and a cap on the body's decoded size.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { classifyAddress, isRefusedHostName } from './address-policy.js';
import { findRefusal, OutboundRefusedError } from './outbound-refused.error.js';

export interface OutboundPolicy {
  /**
   * "host:port" exceptions, e.g. for tests on 127.0.0.1; "*.name:port" also takes every
   * subdomain of name on that port (local workspaces at <slug>.localtest.me:3080). @default []
   */
  readonly allowHosts?: readonly string[];
  /** @default 10_000 */
  readonly timeoutMs?: number;
  /** @default 5 MiB */
  readonly maxResponseBytes?: number;
  /** @default 5 */
  readonly maxRedirects?: number;
  /** Name resolution; a stub DNS in tests (e.g. to rebind a name between check and connect). @default dns.lookup */
  readonly resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

const DEFAULTS = { timeoutMs: 10_000, maxResponseBytes: 5 * 1024 * 1024, maxRedirects: 5 };

const defaultPort = (url: URL) => url.port || (url.protocol === 'https:' ? '443' : '80');
const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

function isAllowedException(url: URL, policy: OutboundPolicy): boolean {
  const port = defaultPort(url);
  return (policy.allowHosts ?? []).some((entry) => {
    const at = entry.lastIndexOf(':');
    if (entry.slice(at + 1) !== port) return false;
    const host = bare(entry.slice(0, at)).toLowerCase();
    const target = bare(url.hostname).toLowerCase();
    return host.startsWith('*.')
      ? target.endsWith(host.slice(1)) && target.length > host.length - 1
      : host === target;
  });
}

function parseUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new OutboundRefusedError('bad-url', 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundRefusedError('bad-url', `only http and https URLs are fetched (got ${url.protocol})`);
  }
  if (url.username || url.password)
    throw new OutboundRefusedError('bad-url', 'URLs with credentials are refused');
  return url;
}

function refuseAddress(address: string): void {
  const verdict = classifyAddress(address);
  if (verdict.decision === 'refuse') {
    throw new OutboundRefusedError('forbidden-address', `refused: the address is ${verdict.reason}`);
  }
}

/** Checks what can be checked without DNS; returns true when the host still needs resolving. */
function checkWithoutDns(url: URL, policy: OutboundPolicy): boolean {
  if (isAllowedException(url, policy)) return false;
  const host = bare(url.hostname);
  if (isRefusedHostName(host))
    throw new OutboundRefusedError('forbidden-address', 'refused: the host is internal');
  if (isIP(host)) {
    refuseAddress(host);
    return false;
  }
  return true;
}

const systemResolve = (hostname: string) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, found) =>
      error ? reject(error) : resolve(found),
    ),
  );

/** Resolves a host name and refuses it when any of its addresses is not public. */
export async function resolvePublic(hostname: string, policy: OutboundPolicy = {}): Promise<LookupAddress[]> {
  let addresses: LookupAddress[];
  try {
    addresses = await (policy.resolve ?? systemResolve)(hostname);
  } catch (error) {
    throw new OutboundRefusedError('unreachable', 'the host could not be resolved', { cause: error });
  }
  if (addresses.length === 0) throw new OutboundRefusedError('unreachable', 'the host could not be resolved');
  for (const { address } of addresses) refuseAddress(address);
  return addresses;
}

/**
 * Resolves DNS and refuses loopback, private, link-local, metadata, CGNAT, ULA, multicast and
 * IPv4-mapped forms of those. A pre-flight check; {@link createGuardedFetch} re-checks at connect time.
 */
export async function checkOutboundUrl(url: string | URL, policy: OutboundPolicy = {}): Promise<URL> {
  const parsed = parseUrl(url);
  if (checkWithoutDns(parsed, policy)) await resolvePublic(bare(parsed.hostname), policy);
  return parsed;
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/** A `net.connect` lookup answering from `resolve` (all addresses or the first of the wanted family). */
const lookupVia =
  (resolve: (hostname: string) => Promise<LookupAddress[]>) =>
  (hostname: string, options: { family?: number | string; all?: boolean }, callback: LookupCallback) =>
    resolve(hostname).then(
      (found) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = wanted ? found.filter((a) => a.family === wanted) : found;
        const first = usable[0];
        if (!first)
          return callback(new OutboundRefusedError('unreachable', 'no address of the wanted family'), '');
        return options.all ? callback(null, usable) : callback(null, first.address, first.family);
      },
      (error: Error) => callback(error, ''),
    );

/** `net.connect`'s lookup: the resolved, checked address is the one the socket uses. */
const guardedLookup = (policy: OutboundPolicy) => lookupVia((hostname) => resolvePublic(hostname, policy));

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

function limitBody(body: ReadableStream<Uint8Array> | null, max: number): ReadableStream<Uint8Array> | null {
  if (!body) return null;
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        seen += value.byteLength;
        if (seen > max) {
          await reader.cancel().catch(() => undefined);
          return controller.error(
            new OutboundRefusedError('too-large', `the response is larger than ${max} bytes`),
          );
        }
        controller.enqueue(value);
      } catch (error) {
        controller.error(asRefusal(error));
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

function asRefusal(error: unknown): OutboundRefusedError {
  const found = findRefusal(error);
  if (found) return found;
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError')
    return new OutboundRefusedError('timeout', 'the request timed out', { cause: error });
  return new OutboundRefusedError('unreachable', 'the host could not be reached', { cause: error });
}

/**
 * A `fetch` that only reaches public addresses (plus `allowHosts`), follows redirects itself
 * re-checking each hop, and enforces one timeout and a response-size cap. Failures are
 * {@link OutboundRefusedError}; a caller's own abort is passed through unchanged.
 */
export function createGuardedFetch(policy: OutboundPolicy = {}): typeof fetch {
  const { timeoutMs, maxResponseBytes, maxRedirects } = { ...DEFAULTS, ...policy };
  const guarded = new Agent({ connect: { lookup: guardedLookup(policy) as never } });
  // Exceptions (allowHosts) connect without the address check, but through the same resolver.
  const open = new Agent(
    policy.resolve ? { connect: { lookup: lookupVia(policy.resolve) as never } } : undefined,
  );

  const guardedFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    let url = parseUrl(request ? request.url : input instanceof URL ? input : String(input));
    let method = (init.method ?? request?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers ?? request?.headers);
    let body: RequestInit['body'] =
      init.body ??
      (request && method !== 'GET' && method !== 'HEAD' ? await request.arrayBuffer() : undefined);
    const mode = init.redirect ?? request?.redirect ?? 'follow';
    const deadline = AbortSignal.timeout(timeoutMs);
    const callerSignal = init.signal ?? request?.signal;
    const signal = callerSignal ? AbortSignal.any([callerSignal, deadline]) : deadline;

    for (let hop = 0; ; hop++) {
      const needsDns = checkWithoutDns(url, policy);
      let response: Awaited<ReturnType<typeof undiciFetch>>;
      try {
        response = await undiciFetch(url, {
          method,
          headers: headers as never,
          body: body as never,
          redirect: 'manual',
          signal,
          dispatcher: needsDns ? guarded : open,
        });
      } catch (error) {
        if (callerSignal?.aborted) throw error;
        throw asRefusal(error);
      }
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || !location || mode === 'manual') {
        const declared = Number(response.headers.get('content-length') ?? '0');
        if (declared > maxResponseBytes) {
          await response.body?.cancel().catch(() => undefined);
          throw new OutboundRefusedError(
            'too-large',
            `the response is larger than ${maxResponseBytes} bytes`,
          );
        }
        const result = new Response(
          limitBody(response.body as ReadableStream<Uint8Array> | null, maxResponseBytes),
          {
            status: response.status,
            statusText: response.statusText,
            headers: response.headers as unknown as Headers,
          },
        );
        Object.defineProperty(result, 'url', { value: url.toString() });
        Object.defineProperty(result, 'redirected', { value: hop > 0 });
        return result;
      }
      await response.body?.cancel().catch(() => undefined);
      if (mode === 'error')
        throw new OutboundRefusedError('bad-url', 'the server redirected and redirects are refused');
      if (hop >= maxRedirects)
        throw new OutboundRefusedError('too-many-redirects', `more than ${maxRedirects} redirects`);
      const next = parseUrl(new URL(location, url));
      if (next.origin !== url.origin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
        headers.delete('content-type');
        headers.delete('content-length');
      } else if (body instanceof ReadableStream) {
        throw new OutboundRefusedError('bad-url', 'cannot replay a streamed body across a redirect');
      }
      url = next;
    }
  };
  return guardedFetch as typeof fetch;
}
