/**
 * What one hub request needs, built from cerebro's deps: the chat model from the config's LLM
 * adapter, the engine token mint, the conversation repository, and a toolbox per person and turn.
 */
import { embedderFromConfig, openKnowledge, type Knowledge } from '@cw/knowledge';
import { createChatModel, createUsageRecorder, type ChatModelPort } from '@cw/llm';
import type { Request } from 'express';
import type { CerebroDeps } from '../deps.js';
import { actorOf } from '../http/actor.js';
import { createHubMetrics } from '../ops/hub-metrics.js';
import { ConversationRepository } from './conversations.repository.js';
import { EngineToolbox, McpClientPool, ToolListCache } from './engine-toolbox.js';
import { EngineTokenMint, type EngineTokenSubject } from './token-mint.js';

export interface Hub {
  readonly deps: CerebroDeps;
  readonly model: ChatModelPort;
  readonly mint: EngineTokenMint;
  readonly conversations: ConversationRepository;
  /** The tenant's knowledge base, when the config names one. */
  readonly knowledge?: Knowledge;
  subjectOf(req: Request): EngineTokenSubject;
  /** `reuse`: this person's recent tool lists and open MCP sessions (chat turns); pages list fresh. */
  toolboxFor(req: Request, options?: { reuse?: boolean }): EngineToolbox;
  /** Closes pooled MCP sessions (shutdown). */
  close(): Promise<void>;
}

export async function createHub(
  deps: CerebroDeps,
  options: { mint?: EngineTokenMint; fetch?: typeof fetch; knowledge?: Knowledge } = {},
): Promise<Hub> {
  const { config } = deps;
  const keysDir = config.engineTokens?.signingKeysDir;
  const mint =
    options.mint ??
    (keysDir
      ? await EngineTokenMint.fromDirectory(config.url, config.tenant, keysDir)
      : await EngineTokenMint.ephemeral(config.url, config.tenant));
  if (!keysDir && !options.mint)
    deps.logger.warn(
      'engine signing key generated in memory: tokens die with this process (set engineTokens.signingKeysDir in production)',
    );
  const model = createChatModel(config.llm ?? { kind: 'none' }, {
    usage: createUsageRecorder(deps.metrics, config.tenant),
  });
  const metrics = createHubMetrics(deps.metrics, config.tenant);
  metrics.countMints(mint);
  const conversations = new ConversationRepository(deps.store);
  const knowledge =
    options.knowledge ??
    (config.knowledge
      ? await openKnowledge(config.knowledge.search, {
          tenant: config.tenant,
          embedder: await embedderFromConfig(config.knowledge.embedder),
        })
      : undefined);
  const listCache = new ToolListCache();
  const clientPool = new McpClientPool();
  const subjectOf = (req: Request): EngineTokenSubject => {
    const me = actorOf(req);
    metrics.active(me.userId);
    return { id: me.userId, email: me.email, roles: me.roles, groups: me.groups };
  };
  return {
    deps,
    model,
    mint,
    conversations,
    ...(knowledge ? { knowledge: metrics.timeKnowledge(knowledge) } : {}),
    subjectOf,
    toolboxFor: (req, o = {}) =>
      new EngineToolbox(
        config.engines.map((e) => ({ name: e.name, mcpUrl: e.mcpUrl })),
        mint,
        subjectOf(req),
        {
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...(o.reuse ? { listCache, clientPool } : {}),
        },
      ),
    close: () => clientPool.close(),
  };
}
