/**
 * The `/mcp` endpoint: Host check (DNS rebinding) → bearer token (401 + WWW-Authenticate) →
 * body size → the SDK transport. 2026-07-28 requests are served statelessly by a fresh server
 * per request; 2025-era clients get a session whose server and transport are their own and which
 * only the token subject that opened it may use (another subject gets 404, as for an unknown id).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  hostHeaderValidation,
  NodeStreamableHTTPServerTransport,
  toNodeHandler,
  toWebRequest,
} from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type AuthInfo,
} from '@modelcontextprotocol/server';
import type { Gate, ToolUser } from '@cw/mcp-gate';
import { buildMcpServer } from './mcp.server.js';
import type { TokenVerifier } from './token.verifier.js';
import { readJsonBody, sendJson } from './http.util.js';

interface Session {
  transport: NodeStreamableHTTPServerTransport;
  subject: string;
  tenant: string;
  lastSeen: number;
}

export interface McpEndpointOptions {
  gate: Gate;
  verifier: TokenVerifier;
  engine: string;
  resource: string;
  allowedHosts: readonly string[];
  maxRequestBytes: () => number;
  /** Idle sessions are closed after this long. */
  sessionIdleMs?: number;
  maxSessions?: number;
  onAuthFailure?: (reason: string) => void;
}

export class McpEndpoint {
  private readonly sessions = new Map<string, Session>();
  private readonly modern;
  private readonly modernNode;
  private readonly checkHost;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly o: McpEndpointOptions) {
    this.modern = createMcpHandler(() => buildMcpServer(o.gate, o.engine), { legacy: 'reject' });
    this.modernNode = toNodeHandler(this.modern);
    this.checkHost = hostHeaderValidation([...o.allowedHosts]);
    const idle = o.sessionIdleMs ?? 15 * 60_000;
    this.sweeper = setInterval(() => this.sweep(idle), Math.min(idle, 60_000));
    this.sweeper.unref();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** The RFC 9728 metadata URL advertised in 401 challenges. */
  get metadataUrl(): string {
    const url = new URL(this.o.resource);
    return `${url.origin}/.well-known/oauth-protected-resource${url.pathname === '/' ? '' : url.pathname}`;
  }

  /** Verifies the bearer token; answers 401 itself and returns undefined when it fails. */
  async authenticate(req: IncomingMessage, res: ServerResponse): Promise<ToolUser | undefined> {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header);
    const verified = m
      ? await this.o.verifier.verify(m[1]!)
      : { ok: false as const, reason: 'bearer token missing' };
    if (verified.ok) return verified.user;
    this.o.onAuthFailure?.(verified.reason);
    const error = m ? 'invalid_token' : 'invalid_request';
    res.setHeader(
      'WWW-Authenticate',
      `Bearer error="${error}", error_description="${verified.reason.replace(/"/g, "'")}", resource_metadata="${this.metadataUrl}"`,
    );
    sendJson(res, 401, { error, error_description: verified.reason });
    return undefined;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.checkHost(req, res)) return;
    const user = await this.authenticate(req, res);
    if (!user) return;
    const auth: AuthInfo = {
      token: 'verified',
      clientId: 'cerebro',
      scopes: [],
      resource: new URL(this.o.resource),
      extra: { user, correlationId: randomUUID() },
    };
    (req as IncomingMessage & { auth?: AuthInfo }).auth = auth;
    let body: unknown;
    if (req.method === 'POST') {
      const read = await readJsonBody(req, this.o.maxRequestBytes());
      if (!read.ok) return sendJson(res, read.status, jsonRpcError(read.message));
      body = read.value;
      // A session id exists only in the 2025 protocol: skip the era classification for those.
      const sessionful = typeof req.headers['mcp-session-id'] === 'string';
      if (!sessionful && !(await isLegacyRequest(await toWebRequest(req, body), body)))
        return this.modernNode(req, res, body);
    }
    await this.legacy(req, res, user, body);
  }

  private async legacy(
    req: IncomingMessage,
    res: ServerResponse,
    user: ToolUser,
    body: unknown,
  ): Promise<void> {
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const session = this.sessions.get(sid);
      if (!session || session.subject !== user.id || session.tenant !== user.tenant)
        return sendJson(res, 404, jsonRpcError('session not found'));
      session.lastSeen = Date.now();
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body))
      return sendJson(res, 400, jsonRpcError('no session: send initialize first'));
    if (this.sessions.size >= (this.o.maxSessions ?? 10_000))
      return sendJson(res, 503, jsonRpcError('too many sessions; try again later'));
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, subject: user.id, tenant: user.tenant, lastSeen: Date.now() });
      },
      // The Host header already passed checkHost above (hostname allowlist, any port). The
      // transport's own check compares "host:port" literally and refused "engine-main.…svc:5001".
      enableDnsRebindingProtection: false,
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    await buildMcpServer(this.o.gate, this.o.engine).connect(transport);
    await transport.handleRequest(req, res, body);
  }

  private sweep(idleMs: number): void {
    const cutoff = Date.now() - idleMs;
    for (const [id, s] of this.sessions) {
      if (s.lastSeen < cutoff) {
        this.sessions.delete(id);
        void s.transport.close();
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.values()].map((s) => s.transport.close()));
    this.sessions.clear();
    await this.modern.close();
  }
}

const jsonRpcError = (message: string) => ({ jsonrpc: '2.0', error: { code: -32600, message }, id: null });
