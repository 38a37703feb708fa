// A fault-injecting, request-counting proxy between code under test and the API server.
// Code under test gets a kubeconfig pointing at the proxy; the proxy authenticates upstream with
// the original kubeconfig's credentials (token or client certificate), so it works in front of
// kube-local and of any TEST_KUBECONFIG cluster alike.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp } from './kube-http.js';
import {
  matches,
  mulberry32,
  type Fault,
  type FaultHandle,
  type FaultRule,
  type RequestMatch,
} from './fault-rules.js';
import { loopbackCertificate } from './loopback-tls.js';
import { requestInfo, resourceKey, WRITE_VERBS, type RequestInfo } from './request-info.js';

export { matches, type Fault, type FaultHandle, type FaultRule, type RequestMatch } from './fault-rules.js';

export interface RequestRecord {
  readonly at: number;
  readonly info: RequestInfo;
  /** Upstream or injected status code; 0 when the connection was reset. */
  status: number;
  /** The fault types applied, if any. */
  readonly faults: Fault['type'][];
}

export interface FaultProxyOptions {
  /** Upstream cluster. */
  readonly kubeconfig: string | KubeConfig;
  /**
   * Serve TLS with a self-signed loopback certificate (made once per process with openssl) that
   * the proxy kubeconfig trusts. @kubernetes/client-node refuses plain-HTTP servers; Go clients
   * and curl accept `tls: false`.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Seed for rate-based faults; logged so a failing run can be replayed.
   * @default random
   */
  readonly seed?: number;
  /**
   * How many recent requests `requests` keeps.
   * @default 10_000
   */
  readonly historySize?: number;
}

export interface FaultProxy {
  /** `http(s)://127.0.0.1:<port>` */
  readonly url: string;
  /** kubeconfig for the code under test; it points at the proxy. */
  readonly kubeconfigPath: string;
  readonly seed: number;
  /** The proxy kubeconfig, loaded. */
  kubeConfig(): KubeConfig;
  /** Adds a fault rule at runtime; rules are checked in the order added. */
  inject(rule: FaultRule): FaultHandle;
  clearFaults(): void;
  /** Cuts every watch currently streaming through the proxy. Returns how many. */
  dropWatches(): number;
  /** Counts by `"<verb> <resource[.group][/sub]>"`, e.g. `{"patch deployments.apps": 3}`. */
  counts(): Record<string, number>;
  /** Number of requests seen that match. */
  count(match?: RequestMatch): number;
  /** Number of writes (create/update/patch/delete/deletecollection) seen, optionally narrowed. */
  writes(match?: Omit<RequestMatch, 'verb'>): number;
  resetCounts(): void;
  /** The most recent requests, oldest first. */
  readonly requests: readonly RequestRecord[];
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'host',
  'authorization',
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = await KubeHttp.create(options.kubeconfig);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = mulberry32(seed);
  const historySize = options.historySize ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'cw-fault-proxy-'));
  interface ActiveRule {
    rule: FaultRule;
    injected: number;
    removed: boolean;
  }
  let rules: ActiveRule[] = [];
  const counters = new Map<string, { info: RequestInfo; n: number }>();
  const history: RequestRecord[] = [];
  const watches = new Set<ServerResponse>();
  const sockets = new Set<Socket>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    void serve(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendStatus(res, 502, 'BadGateway', `fault proxy: upstream failed: ${String(err)}`);
      else res.destroy();
    });
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const info = requestInfo(req.method ?? 'GET', req.url ?? '/');
    const record: RequestRecord = { at: Date.now(), info, status: 0, faults: [] };
    const key = `${info.verb} ${resourceKey(info)}|${info.namespace}|${info.name}`;
    const c = counters.get(key);
    if (c) c.n++;
    else counters.set(key, { info, n: 1 });
    history.push(record);
    if (history.length > historySize) history.splice(0, history.length - historySize);

    let delay = 0;
    let terminal: Fault | undefined;
    let dropAfter: number | undefined;
    for (const r of rules) {
      if (r.removed || !matches(r.rule, info)) continue;
      const f = r.rule.fault;
      if (f.type === 'conflict' && !WRITE_VERBS.includes(info.verb)) continue;
      if (f.type === 'drop-watch' && info.verb !== 'watch') continue;
      if (terminal && f.type !== 'latency') continue;
      if (r.rule.times !== undefined && r.injected >= r.rule.times) continue;
      if (random() >= (r.rule.rate ?? 1)) continue;
      r.injected++;
      record.faults.push(f.type);
      if (f.type === 'latency') delay += f.ms + (f.jitterMs ? random() * f.jitterMs : 0);
      else if (f.type === 'drop-watch') dropAfter ??= f.afterMs ?? 0;
      else terminal ??= f;
    }
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));

    if (terminal) {
      req.resume();
      switch (terminal.type) {
        case 'reset':
          record.status = 0;
          req.socket.destroy();
          return;
        case 'throttle': {
          const after = terminal.retryAfterSeconds ?? 1;
          record.status = 429;
          sendStatus(
            res,
            429,
            'TooManyRequests',
            'Too many requests, please try again later.',
            { retryAfterSeconds: after },
            {
              'Retry-After': String(after),
            },
          );
          return;
        }
        case 'conflict': {
          record.status = 409;
          const what = `${info.resource}${info.group ? `.${info.group}` : ''}`;
          sendStatus(
            res,
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${what} "${info.name}": the object has been modified; please apply your changes to the latest version and try again`,
            { name: info.name, group: info.group, kind: info.resource },
          );
          return;
        }
        case 'error':
          record.status = terminal.code;
          sendStatus(
            res,
            terminal.code,
            terminal.reason ??
              (terminal.code === 500
                ? 'InternalError'
                : terminal.code === 503
                  ? 'ServiceUnavailable'
                  : 'Unknown'),
            terminal.message ?? 'Internal error occurred: injected by the fault proxy',
          );
          return;
      }
    }

    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    Object.assign(headers, await upstream.authHeaders());
    const up = await upstream.raw(req.method ?? 'GET', req.url ?? '/', {
      headers: headers as Record<string, string>,
      body: await readBody(req),
    });
    record.status = up.statusCode ?? 0;
    const outHeaders: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(up.headers))
      if (v !== undefined && !HOP_BY_HOP.has(k)) outHeaders[k] = v;
    res.writeHead(up.statusCode ?? 502, outHeaders);
    if (info.verb === 'watch') {
      watches.add(res);
      res.on('close', () => {
        watches.delete(res);
        up.destroy();
      });
      res.flushHeaders();
      if (dropAfter !== undefined) setTimeout(() => res.destroy(), dropAfter);
    }
    up.pipe(res);
  };

  const tls = options.tls ?? true;
  let server: Server;
  let caData: string | undefined;
  if (tls) {
    const { key, cert } = loopbackCertificate();
    caData = cert.toString('base64');
    server = createHttpsServer({ key, cert }, handle);
  } else {
    server = createHttpServer(handle);
  }
  server.on('upgrade', (_req, socket: Socket) => {
    socket.end('HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: fault-proxy',
      '    cluster:',
      `      server: ${url}`,
      ...(caData ? [`      certificate-authority-data: ${caData}`] : []),
      'users:',
      '  - name: fault-proxy',
      '    user:',
      // The proxy authenticates upstream itself; this token only satisfies clients that want one.
      '      token: fault-proxy',
      'contexts:',
      '  - name: fault-proxy',
      '    context: { cluster: fault-proxy, user: fault-proxy, namespace: default }',
      'current-context: fault-proxy',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const count = (match: RequestMatch = {}): number => {
    let n = 0;
    for (const { info, n: k } of counters.values()) if (matches(match, info)) n += k;
    return n;
  };

  return {
    url,
    kubeconfigPath,
    seed,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      return kc;
    },
    inject(rule) {
      const active: ActiveRule = { rule, injected: 0, removed: false };
      rules.push(active);
      return {
        get injected() {
          return active.injected;
        },
        remove() {
          active.removed = true;
          rules = rules.filter((r) => r !== active);
        },
      };
    },
    clearFaults() {
      rules.forEach((r) => (r.removed = true));
      rules = [];
    },
    dropWatches() {
      const n = watches.size;
      for (const w of watches) w.destroy();
      return n;
    },
    counts() {
      const out: Record<string, number> = {};
      for (const { info, n } of counters.values()) {
        const k = `${info.verb} ${resourceKey(info)}`;
        out[k] = (out[k] ?? 0) + n;
      }
      return out;
    },
    count,
    writes: (match = {}) => count({ ...match, verb: 'write' }),
    resetCounts() {
      counters.clear();
      history.length = 0;
    },
    get requests() {
      return history;
    },
    async stop() {
      for (const w of watches) w.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      upstream.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function sendStatus(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length ? Buffer.concat(chunks) : undefined;
}
