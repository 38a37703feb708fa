/**
 * The tools a signed-in person may call, across the tenant's engines, through the official MCP
 * client over Streamable HTTP. Every request carries a token minted for that person and that
 * engine (audience = the engine's MCP URL), so the engine's gate — not cerebro, not the prompt —
 * decides what runs. `tools/list` is asked as the person, so the model is offered only what the
 * gate would allow. One client per engine per turn; closed when the turn ends.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { ChatTool } from '@cw/llm';
import type { EngineTokenMint, EngineTokenSubject } from './token-mint.js';

export interface EngineEndpoint {
  readonly name: string;
  readonly mcpUrl: string;
}

export type ToolOutcome = 'ok' | 'refused' | 'pending' | 'error';

export interface ToolCallResult {
  readonly outcome: ToolOutcome;
  /** What the tool (or the gate) said; untrusted text. */
  readonly text: string;
  readonly approvalId?: string;
  readonly durationMs: number;
}

export interface ToolEntry {
  readonly engine: string;
  /** The MCP tool name on the engine (`payments.charge`). */
  readonly mcpName: string;
  readonly chat: ChatTool;
}

/**
 * What each engine listed for one person (keyed by engine, person, roles and groups), kept for a
 * short time so a chat turn does not open an MCP session per engine just to list tools. Only the
 * offer to the model can be stale (≤ ttl): every call still goes to the gate, which decides with
 * the person's current token. Bounded; the oldest entry goes first.
 */
export class ToolListCache {
  private readonly entries = new Map<string, { at: number; tools: readonly ToolEntry[] }>();

  constructor(
    readonly ttlMs = 30_000,
    private readonly maxEntries = 2_000,
  ) {}

  get(key: string): readonly ToolEntry[] | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (performance.now() - hit.at > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.tools;
  }

  set(key: string, tools: readonly ToolEntry[]): void {
    this.entries.delete(key);
    this.entries.set(key, { at: performance.now(), tools });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}

/**
 * Open MCP client sessions per engine and person (keyed like the list cache), reused across chat
 * turns so a tool call does not pay for `initialize` each time; closed after `idleMs` unused.
 * Every request still carries a token minted for that person and engine at send time.
 */
export class McpClientPool {
  private readonly entries = new Map<string, { client: Promise<Client>; lastUsed: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly idleMs = 60_000,
    private readonly maxEntries = 500,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1_000, idleMs / 2));
    this.sweeper.unref();
  }

  get(key: string, open: () => Promise<Client>): Promise<Client> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { client: open(), lastUsed: performance.now() };
      this.entries.set(key, entry);
      // A session that could not be opened is not kept.
      entry.client.catch(() => this.entries.delete(key));
      while (this.entries.size > this.maxEntries) this.drop(this.entries.keys().next().value!);
    }
    entry.lastUsed = performance.now();
    return entry.client;
  }

  drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    void entry.client.then((c) => c.close()).catch(() => undefined);
  }

  private sweep(): void {
    const now = performance.now();
    for (const [key, entry] of this.entries) if (now - entry.lastUsed > this.idleMs) this.drop(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(all.map((e) => e.client.then((c) => c.close())));
  }
}

export interface EngineToolboxOptions {
  /** Reuse recent `tools/list` answers for this person (chat turns); the gate still decides calls. */
  readonly listCache?: ToolListCache;
  /** Reuse open MCP sessions for this person across turns (chat turns). */
  readonly clientPool?: McpClientPool;
  readonly clientName?: string;
  /** Per-call timeout. @default 30 s */
  readonly callTimeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** `main` + `payments.charge` → `main__payments_charge` (provider tool names allow [A-Za-z0-9_-]). */
export const chatToolName = (engine: string, mcpName: string): string =>
  `${engine}__${mcpName}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);

export class EngineToolbox {
  private readonly clients = new Map<string, Client>();
  private readonly tools = new Map<string, ToolEntry>();
  /** Engines that could not be reached while listing, with what to tell the person. */
  readonly unavailable: { engine: string; reason: string }[] = [];

  constructor(
    private readonly engines: readonly EngineEndpoint[],
    private readonly mint: EngineTokenMint,
    private readonly user: EngineTokenSubject,
    private readonly options: EngineToolboxOptions = {},
  ) {}

  /** Lists every engine's tools as this user; an engine that is down is noted, not fatal. */
  async list(signal?: AbortSignal): Promise<ChatTool[]> {
    await Promise.all(
      this.engines.map(async (engine) => {
        const key = this.keyOf(engine);
        const cached = this.options.listCache?.get(key);
        if (cached) {
          for (const entry of cached) this.tools.set(entry.chat.name, entry);
          return;
        }
        const listAll = async (): Promise<ToolEntry[]> => {
          const client = await this.client(engine);
          const listed: ToolEntry[] = [];
          let cursor: string | undefined;
          do {
            const page = await client.listTools(cursor ? { cursor } : {}, signal ? { signal } : {});
            for (const t of page.tools) {
              const name = chatToolName(engine.name, t.name);
              const entry: ToolEntry = {
                engine: engine.name,
                mcpName: t.name,
                chat: {
                  name,
                  description: `${t.description ?? t.title ?? t.name} (engine ${engine.name})`,
                  inputSchema: (t.inputSchema ?? { type: 'object' }) as Record<string, unknown>,
                },
              };
              this.tools.set(name, entry);
              listed.push(entry);
            }
            cursor = page.nextCursor;
          } while (cursor);
          return listed;
        };
        try {
          let listed: ToolEntry[];
          try {
            listed = await listAll();
          } catch (error) {
            if (!this.options.clientPool) throw error;
            // A pooled session may be gone: listing is read-only, so open a new one and ask again.
            this.dropPooled(engine);
            if (!isSessionGone(error)) throw error;
            listed = await listAll();
          }
          this.options.listCache?.set(key, listed);
        } catch (error) {
          this.unavailable.push({ engine: engine.name, reason: describeEngineError(error) });
        }
      }),
    );
    return [...this.tools.values()].map((t) => t.chat);
  }

  has(chatName: string): boolean {
    return this.tools.has(chatName);
  }

  /** The engine and MCP tool a chat tool name stands for. */
  describe(chatName: string): { engine: string; tool: string } | undefined {
    const t = this.tools.get(chatName);
    return t ? { engine: t.engine, tool: t.mcpName } : undefined;
  }

  /** Calls one tool as the user; the engine's answer decides the outcome. */
  async call(chatName: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<ToolCallResult> {
    const entry = this.tools.get(chatName);
    const started = performance.now();
    const took = () => Math.round(performance.now() - started);
    if (!entry) return { outcome: 'error', text: `There is no tool named ${chatName}.`, durationMs: 0 };
    const engine = this.engines.find((e) => e.name === entry.engine)!;
    try {
      const send = async () =>
        (await this.client(engine)).callTool(
          { name: entry.mcpName, arguments: args },
          { timeout: this.options.callTimeoutMs ?? 30_000, ...(signal ? { signal } : {}) },
        );
      let result: Awaited<ReturnType<typeof send>>;
      try {
        result = await send();
      } catch (error) {
        if (!this.options.clientPool) throw error;
        // A pooled session may be gone (engine restarted or swept it): the engine answered
        // "session not found" without running anything, so open a new one and send once more.
        this.dropPooled(engine);
        if (!isSessionGone(error)) throw error;
        result = await send();
      }
      const text =
        (result.content as { type: string; text?: string }[] | undefined)
          ?.filter((c) => c.type === 'text')
          .map((c) => c.text ?? '')
          .join('\n')
          .trim() ?? '';
      return { ...classify(text, result.isError === true), durationMs: took() };
    } catch (error) {
      return { outcome: 'error', text: describeEngineError(error), durationMs: took() };
    }
  }

  /** Closes this turn's clients (pooled ones stay open for the next turn). */
  async close(): Promise<void> {
    if (!this.options.clientPool) await Promise.allSettled([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }

  private keyOf(engine: EngineEndpoint): string {
    return JSON.stringify([engine.name, engine.mcpUrl, this.user.id, this.user.roles, this.user.groups]);
  }

  private dropPooled(engine: EngineEndpoint): void {
    this.clients.delete(engine.name);
    this.options.clientPool?.drop(this.keyOf(engine));
  }

  private async client(engine: EngineEndpoint): Promise<Client> {
    const existing = this.clients.get(engine.name);
    if (existing) return existing;
    const pool = this.options.clientPool;
    const client = pool
      ? await pool.get(this.keyOf(engine), () => this.open(engine))
      : await this.open(engine);
    this.clients.set(engine.name, client);
    return client;
  }

  private async open(engine: EngineEndpoint): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(new URL(engine.mcpUrl), {
      authProvider: { token: () => this.mint.mint(this.user, engine.mcpUrl) },
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
    const client = new Client({ name: this.options.clientName ?? 'cerebro-agent', version: '0.1.0' });
    await client.connect(transport);
    return client;
  }
}

/** The engine did not know the session (404 per the Streamable HTTP spec): nothing ran. */
function isSessionGone(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /\b404\b|session not found|unknown session/i.test(message);
}

/** The gate answers refusals as `refused: <reason>` and parked calls as `pending approval <id>`. */
export function classify(text: string, isError: boolean): Omit<ToolCallResult, 'durationMs'> {
  const pending = /pending approval ([\w-]+)/i.exec(text);
  if (pending) return { outcome: 'pending', text, approvalId: pending[1]! };
  if (/^refused\b/i.test(text)) return { outcome: 'refused', text };
  return { outcome: isError ? 'error' : 'ok', text };
}

function describeEngineError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/ECONNREFUSED|fetch failed|ENOTFOUND|EHOSTUNREACH/i.test(message))
    return 'the engine is not reachable right now';
  if (/timed? ?out/i.test(message)) return 'the engine did not answer in time';
  if (/401|unauthori[sz]ed/i.test(message)) return 'the engine did not accept this session (sign in again)';
  if (/503|maintenance/i.test(message)) return 'the engine is in maintenance';
  return 'the engine failed to answer';
}
